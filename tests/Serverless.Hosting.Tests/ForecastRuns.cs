using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Forecasting.Synthetic;
using Serverless.Storage.Blobs;
using Serverless.Workflows.Forecasting;

namespace Serverless.Hosting.Tests;

/// <summary>
/// A weekly forecast on a small generated chain (3 stores x 5 items, two years of sales) with a small model,
/// so a run reaches its review in seconds.
/// </summary>
internal static class ForecastRuns
{
    public const string RunDate = "2024-06-01";
    public const string WeekStart = "2024-06-03";

    public static readonly GeneratorOptions Chain = new()
    {
        Seed = 11,
        Start = new DateOnly(2022, 6, 1),
        End = new DateOnly(2024, 5, 31),
        StoreCount = 3,
        ItemCount = 5,
    };

    private const string Input = """
        {
          "runDate": "2024-06-01",
          "config": {
            "model": { "iterations": 40, "leaves": 15, "minExamplesPerLeaf": 20, "trainingWindowDays": 180 },
            "backtest": { "origins": 2, "calibrationOrigins": 1, "calibrationBuckets": 3 }
          }
        }
        """;

    public static IBlobStore Blobs(TestHost host) => host.Host.Services.GetRequiredService<IBlobStore>();

    /// <summary>Puts the generated chain in the host's blob store as the built-in dataset (once per folder).</summary>
    public static async Task GenerateDataAsync(TestHost host)
    {
        var blobs = Blobs(host);
        if (await ForecastDatasets.ReadManifestAsync(blobs, ForecastArtifacts.DefaultDataset) is null)
        {
            await ForecastDatasets.GenerateAsync(blobs, ForecastArtifacts.DefaultDataset, Chain);
        }
    }

    /// <summary>Starts WeeklyForecast over HTTP and waits (with a deadline) until it waits for the review.</summary>
    public static async Task StartAndWaitForReviewAsync(TestHost host, string instanceId)
    {
        using var response = await host.Http.PostAsync($"api/workflows/WeeklyForecast?instanceId={instanceId}", TestHost.JsonBody(Input));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var waiting = await host.WaitForStatusAsync(instanceId,
            s => TestHost.IsWaitingFor(s, WeeklyForecastOrchestrator.ReviewEvent) || TestHost.RuntimeStatus(s) is "Failed" or "Completed" or "Terminated",
            TimeSpan.FromSeconds(180));
        Assert.True(TestHost.IsWaitingFor(waiting, WeeklyForecastOrchestrator.ReviewEvent), $"the run did not reach its review: {waiting}");
    }

    public static async Task<JsonElement> GetReviewAsync(TestHost host, string instanceId) =>
        await host.Http.GetFromJsonAsync<JsonElement>($"api/forecasts/{instanceId}/review");

    public static Task<StoreOrderFile> ReadStoreFileAsync(TestHost host, string path) =>
        ForecastArtifacts.ReadJsonAsync<StoreOrderFile>(Blobs(host), path, CancellationToken.None);
}
