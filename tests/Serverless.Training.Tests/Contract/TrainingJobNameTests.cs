using Serverless.Training.Contract;

namespace Serverless.Training.Tests.Contract;

public sealed class TrainingJobNameTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("7f3c2a1e-0b9d-4c52-8e61-2f0a9b7d3c11")]
    [InlineData("Weekly_Forecast-2030")]
    public void Names_that_Azure_ML_accepts_are_valid(string name) => Assert.Null(TrainingJobName.Explain(name));

    [Fact]
    public void A_name_of_255_characters_is_valid_and_256_is_not()
    {
        Assert.True(TrainingJobName.IsValid(new string('x', 255)));
        Assert.False(TrainingJobName.IsValid(new string('x', 256)));
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData("_leading", "must start with a letter or digit")]
    [InlineData("has space", "contains ' ' at position 4")]
    [InlineData("slash/es", "contains '/' at position 6")]
    public void Invalid_names_say_why(string name, string reason) => Assert.Contains(reason, TrainingJobName.Explain(name));

    [Fact]
    public void Names_derived_from_instances_are_valid_deterministic_and_distinct()
    {
        var a = TrainingJobName.FromInstance("WeeklyForecast:2030-01-06", "attempt1");
        var b = TrainingJobName.FromInstance("WeeklyForecast.2030-01-06", "attempt1");
        var longOne = TrainingJobName.FromInstance(new string('z', 300) + ":x");

        Assert.True(TrainingJobName.IsValid(a));
        Assert.True(TrainingJobName.IsValid(b));
        Assert.True(TrainingJobName.IsValid(longOne));
        Assert.Equal(255, longOne.Length);
        Assert.NotEqual(a, b);
        Assert.Equal(a, TrainingJobName.FromInstance("WeeklyForecast:2030-01-06", "attempt1"));
        Assert.Equal("plain-instance-2", TrainingJobName.FromInstance("plain-instance", "2"));
        Assert.StartsWith("j-", TrainingJobName.FromInstance("-dash"));
    }
}
