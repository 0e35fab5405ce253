using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Rules;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Tests;

public class PublishingTests
{
    private static readonly AlsOptions Options = new() { Factors = 8, Iterations = 3 };

    private static AlsTrainingResult Train()
    {
        using var backend = new CpuAlsBackend();
        return AlsTrainer.Train(TestData.SmallDataset, Options, backend);
    }

    [Fact]
    public void A_model_serializes_to_a_stream_and_loads_back_with_identical_lists()
    {
        var model = Train().Model;
        using var stream = new MemoryStream();
        model.WriteTo(stream);
        stream.Position = 0;

        var loaded = AlsModel.ReadFrom(stream);

        Assert.Equal(model.Options, loaded.Options);
        Assert.Equal(model.DataHash, loaded.DataHash);
        Assert.Equal(model.Version, loaded.Version);
        Assert.Equal(model.Users, loaded.Users);
        Assert.Equal(model.Factors.ItemFactors, loaded.Factors.ItemFactors);
        Assert.Equal(model.Interactions.ColumnIndices, loaded.Interactions.ColumnIndices);
        var shard = new Shard(0, 0, 25);
        Assert.Equal(
            UserRecommender.Recommend(model, shard, 10).SelectMany(l => l.Items),
            UserRecommender.Recommend(loaded, shard, 10).SelectMany(l => l.Items));
    }

    [Fact]
    public void A_stream_that_is_not_a_model_is_a_clear_error()
    {
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => AlsModel.ReadFrom(new MemoryStream())).Message);
        var other = new MemoryStream();
        using (var writer = new BinaryWriter(other, System.Text.Encoding.UTF8, leaveOpen: true)) writer.Write("something else");
        other.Position = 0;
        Assert.Contains("Not an ALS model", Assert.Throws<InvalidDataException>(() => AlsModel.ReadFrom(other)).Message);
    }

    [Fact]
    public void The_manifest_records_parameters_data_hash_code_version_backend_and_timings()
    {
        var (model, manifest) = Train();

        Assert.Equal(Options, manifest.Parameters);
        Assert.Equal(TestData.SmallDataset.Hash, manifest.DataHash);
        Assert.Equal(model.Version, manifest.ModelVersion);
        Assert.Equal(CodeVersion.Current, manifest.CodeVersion);
        Assert.False(string.IsNullOrEmpty(manifest.CodeVersion));
        Assert.Equal("cpu-simd", manifest.Backend);
        Assert.Equal((model.Users.Count, model.Items.Count, TestData.SmallDataset.Count), (manifest.Users, manifest.Items, manifest.Interactions));
        Assert.True(manifest.TimingsSeconds["factorize"] > 0);

        using var stream = new MemoryStream();
        PublishedListJson.WriteManifest(stream, manifest.WithMetrics([new("random-25%.model.ndcg@10", 0.42)]));
        stream.Position = 0;
        var loaded = PublishedListJson.ReadManifest(stream);
        Assert.Equal(0.42, loaded.Metrics["random-25%.model.ndcg@10"]);
        Assert.Equal(manifest.Parameters, loaded.Parameters);
        Assert.Contains("\"dataHash\"", System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Versions_derive_from_parameters_and_data_and_nothing_else()
    {
        var config = new ServiceConfig("jobs");
        Assert.Equal(ModelVersion.For(Options, "abc"), ModelVersion.For(Options with { }, "abc"));
        Assert.NotEqual(ModelVersion.For(Options, "abc"), ModelVersion.For(Options, "abd"));
        Assert.NotEqual(ModelVersion.For(Options, "abc"), ModelVersion.For(Options with { Alpha = 4 }, "abc"));
        Assert.Equal(ListVersion.For(config, Options, "abc"), ListVersion.For(config with { }, Options, "abc"));
        Assert.NotEqual(ListVersion.For(config, Options, "abc"), ListVersion.For(config with { MaxPerCategory = 2 }, Options, "abc"));
        Assert.StartsWith("jobs-", ListVersion.For(config, Options, "abc"));
    }

    [Fact]
    public void Published_lists_round_trip_through_json_lines()
    {
        var lists = new[]
        {
            new PublishedList("jobs", "jobs-1", ListKind.UserItems, "u1", [new("i1", 0.5f), new("i2", null, "pinned at position 2")]),
            new PublishedList("jobs", "jobs-1", ListKind.ItemItems, "i1", [new("i3", 0.25f, ListRules.ReasonFallback)]),
        };
        using var stream = new MemoryStream();
        PublishedListJson.Write(stream, lists);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        stream.Position = 0;

        var read = PublishedListJson.Read(stream, "lists.jsonl");

        Assert.Equal(2, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("\"kind\":\"UserItems\"", text);
        Assert.Equal(lists[0].Items, read[0].Items);
        Assert.Equal(lists[1] with { Items = [] }, read[1] with { Items = [] });
        var service = PublishedListJson.ToServiceLists(read);
        Assert.Equal(["i1", "i2"], service["u1"]);
        Assert.False(service.ContainsKey("i1"));
    }

    [Fact]
    public void A_bad_line_in_a_list_file_names_the_file_and_line()
    {
        var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("{\"service\":\"jobs\"}\n{not json\n"));
        var error = Assert.Throws<InvalidDataException>(() => PublishedListJson.Read(stream, "lists.jsonl"));
        Assert.StartsWith("lists.jsonl:", error.Message);
    }

    [Fact]
    public void The_publication_summary_counts_lists_and_reasons()
    {
        var lists = new[]
        {
            new PublishedList("jobs", "v", ListKind.UserItems, "u1", [new("i1", 0.5f), new("i2", null, "pinned at position 2")]),
            new PublishedList("jobs", "v", ListKind.UserItems, "u2", [new("i3", 0.1f, ListRules.ReasonColdUser)]),
            new PublishedList("jobs", "v", ListKind.ItemItems, "i1", [new("i3", 0.2f)]),
        };

        var summary = PublicationSummary.Of("jobs", "v", lists, minListLength: 2);

        Assert.Equal((2, 1, 2), (summary.UserLists, summary.ItemLists, summary.ShortLists));
        Assert.Equal(4 / 3.0, summary.MeanLength, 9);
        Assert.Equal(2, summary.ItemsByReason["model"]);
        Assert.Equal(1, summary.ItemsByReason["pinned"]);
        Assert.Equal(1, summary.ItemsByReason[ListRules.ReasonColdUser]);
    }
}
