using Serverless.Training.Validation;

namespace Serverless.Training.Tests.Contract;

public sealed class CommandTemplateTests
{
    [Fact]
    public void Placeholders_are_found_and_replaced()
    {
        const string text = "--in=${{inputs.sales}} --out ${{ outputs.model }}/x";

        Assert.Equal(
            [new Placeholder(PlaceholderKind.Inputs, "sales"), new Placeholder(PlaceholderKind.Outputs, "model")],
            CommandTemplate.Find(text));
        Assert.Equal("--in=/data/sales --out /models/x", CommandTemplate.Substitute(text, p => p.Name == "sales" ? "/data/sales" : "/models"));
        Assert.Null(CommandTemplate.FindMalformed(text));
    }

    [Theory]
    [InlineData("${{input.sales}}")]
    [InlineData("${{inputs.}}")]
    [InlineData("${{inputs.sales}")]
    [InlineData("${{search_space.lr}}")]
    public void Malformed_placeholders_are_caught(string text) => Assert.NotNull(CommandTemplate.FindMalformed(text));

    [Fact]
    public void Text_without_placeholders_passes() => Assert.Null(CommandTemplate.FindMalformed("--learning-rate 0.1 ${HOME} {{x}}"));
}
