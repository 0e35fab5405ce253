using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Storage.Documents;
using Serverless.Testing;
using Serverless.Workflows.Recommendations;

namespace Serverless.Workflows.Tests.RealRuntime;

/// <summary>
/// The recommendation refresh on the real Durable Task runtime (AzureStorage provider on Azurite) and on the embedded
/// engine: its fan-out across two services (data generated on the first run, trained, gated, published) gives the same
/// result, the same files and the same published lists.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RecommendationRefreshRealRuntimeTests(EmulatorFixture emulators)
{
    private const string TwoServices = """
        {
          "userShardSize": 120,
          "itemShardSize": 60,
          "services": [
            {
              "service": "mini",
              "description": "a small job board",
              "synthetic": { "users": 240, "items": 120, "interactions": 6000, "categories": 6, "tasteClusters": 4, "preferredCategoriesPerCluster": 2, "seed": 11 },
              "als": { "factors": 8, "iterations": 6, "regularization": 10 },
              "rules": { "listLength": 5, "maxPerCategory": 3 }
            },
            {
              "service": "tiny",
              "description": "a smaller marketplace",
              "synthetic": { "users": 180, "items": 90, "interactions": 4000, "categories": 5, "tasteClusters": 3, "preferredCategoriesPerCluster": 2, "seed": 23 },
              "als": { "factors": 8, "iterations": 6, "regularization": 10 },
              "rules": { "listLength": 5, "maxPerCategory": 3 }
            }
          ]
        }
        """;

    [Fact]
    public async Task The_fan_out_across_services_publishes_the_embedded_engines_lists_and_files()
    {
        var embedded = await RunAsync(null);
        var real = await RunAsync(emulators.StorageConnectionString);

        // The result is the same but for how long each step took and the publication instant (the orchestration's clock).
        RealRuntimeAssert.SameText(RealRuntimeAssert.WithoutTimings(embedded.Output), RealRuntimeAssert.WithoutTimings(real.Output), "output");
        // Every file and published list as bytes, but the manifests and the pointer, which also record how long each
        // training stage took and when the lists were published: those are compared without these figures.
        Assert.True(RealRuntimeAssert.SameFiles(embedded.Files, real.Files, timings: true) > 10);
        Assert.True(RealRuntimeAssert.SameFiles(embedded.Documents, real.Documents, timings: true) > 400);
    }

    private sealed record Run(string Output, SortedDictionary<string, byte[]> Files, SortedDictionary<string, byte[]> Documents);

    private static async Task<Run> RunAsync(string? storage)
    {
        await using var host = await RuntimeHost.StartAsync(storage, settings: new Dictionary<string, string?>
        {
            [RecommendationSettings.ConfigPathKey] = "recommendations.json",
        }, prepare: _ => Task.CompletedTask, beforeStart: root => File.WriteAllTextAsync(Path.Combine(root, "recommendations.json"), TwoServices));

        await host.Client.ScheduleNewOrchestrationInstanceAsync(RecommendationRefreshOrchestrator.Name, new RecommendationRefreshInput(Seed: 5),
            new StartOrchestrationOptions("recs-1", null));
        var state = await host.WaitAsync("recs-1");
        Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{host.Provider}: {state.RuntimeStatus} {state.FailureDetails?.ErrorMessage}");
        var result = state.ReadOutputAs<RecommendationRefreshResult>()!;
        Assert.Equal(["mini", "tiny"], result.Services.Select(s => s.Service).Order(StringComparer.Ordinal));
        Assert.All(result.Services, s => Assert.True(s.Outcome == ServiceRefreshOutcome.Published, $"{s.Service}: {s.Reason}"));

        var documents = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        foreach (var service in new[] { "mini", "tiny" })
        {
            var pointer = await store.ReadAsync(RecommendationPaths.ServicesPartition, service);
            documents["pointer|" + service] = System.Text.Encoding.UTF8.GetBytes(pointer!.Body.GetRawText());
            foreach (var partition in new[] { RecommendationPaths.UserPartition(service), RecommendationPaths.ItemPartition(service) })
            {
                await foreach (var document in store.QueryAsync(partition))
                {
                    documents[partition + "|" + document.Id] = System.Text.Encoding.UTF8.GetBytes(document.Body.GetRawText());
                }
            }
        }
        return new Run(state.SerializedOutput!, await host.ReadAllBlobsAsync(), documents);
    }
}
