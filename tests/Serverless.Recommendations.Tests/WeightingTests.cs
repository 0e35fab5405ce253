using Serverless.Recommendations.Data;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Tests;

public class WeightingTests
{
    private static readonly CsrMatrix Small = CsrMatrix.FromCoordinates(3, 3, [0, 0, 1, 2, 2], [0, 1, 0, 0, 2], [1f, 5f, 2f, 1f, 1f]);

    [Fact]
    public void Raw_log_and_binary_transform_each_weight()
    {
        Assert.Same(Small, InteractionWeighting.Apply(Small, ConfidenceWeighting.Raw));
        Assert.Equal([MathF.Log(2), MathF.Log(6), MathF.Log(3), MathF.Log(2), MathF.Log(2)], InteractionWeighting.Apply(Small, ConfidenceWeighting.Log).Values);
        Assert.Equal([1f, 1f, 1f, 1f, 1f], InteractionWeighting.Apply(Small, ConfidenceWeighting.Binary).Values);
    }

    [Fact]
    public void Bm25_weighs_an_item_everybody_has_less_than_a_rare_one()
    {
        var bm25 = InteractionWeighting.Apply(Small, ConfidenceWeighting.Bm25);

        // User 2 has item 0 (all three users have it) and item 2 (only user 2 has it), both with weight 1.
        var user2 = bm25.RowValues(2);
        Assert.True(user2[1] > 10 * user2[0], $"{user2[1]} vs {user2[0]}");
        Assert.Equal(Small.ColumnIndices, bm25.ColumnIndices);
        Assert.All(bm25.Values, v => Assert.True(v > 0));
    }

    [Fact]
    public void Raw_weighting_keeps_the_versions_of_models_made_before_it_existed_and_others_change_them()
    {
        var raw = AlsOptions.Default;
        Assert.DoesNotContain("weighting", raw.ToCanonicalString());
        Assert.Equal("als-" , ModelVersion.For(raw, "h")[..4]);
        Assert.NotEqual(ModelVersion.For(raw, "h"), ModelVersion.For(raw with { Weighting = ConfidenceWeighting.Log }, "h"));
        Assert.EndsWith(";weighting=bm25", (raw with { Weighting = ConfidenceWeighting.Bm25 }).ToCanonicalString());
    }

    [Fact]
    public void The_weighting_changes_the_factors_and_survives_the_model_stream()
    {
        var data = TestData.SmallDataset;
        using var backend = new CpuAlsBackend();
        var options = new AlsOptions { Factors = 8, Iterations = 3 };
        var raw = AlsTrainer.Train(data, options, backend).Model;
        var log = AlsTrainer.Train(data, options with { Weighting = ConfidenceWeighting.Log }, backend).Model;
        Assert.NotEqual(raw.Factors.UserFactors, log.Factors.UserFactors);

        var stream = new MemoryStream();
        log.WriteTo(stream);
        stream.Position = 0;
        var read = Assert.IsType<AlsModel>(RecommendationModel.ReadFrom(stream));
        Assert.Equal(ConfidenceWeighting.Log, read.Options.Weighting);
        Assert.Equal(log.Version, read.Version);
    }

    [Fact]
    public void Weightings_are_written_and_read_by_their_lower_case_names()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new AlsOptions { Weighting = ConfidenceWeighting.Bm25 });
        Assert.Contains("\"bm25\"", json);
        Assert.Equal(ConfidenceWeighting.Bm25, System.Text.Json.JsonSerializer.Deserialize<AlsOptions>(json)!.Weighting);
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<AlsOptions>("{\"Weighting\":\"tfidf\"}"));
    }
}
