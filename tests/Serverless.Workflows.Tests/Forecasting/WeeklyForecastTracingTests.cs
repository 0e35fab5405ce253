using System.Diagnostics;
using Microsoft.DurableTask.Client;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.Durable.Embedded;
using Serverless.Storage.Notifications;
using Serverless.Testing;
using Serverless.Workflows.Common;
using Serverless.Workflows.Forecasting;
using Serverless.Workflows.Telemetry;

namespace Serverless.Workflows.Tests.Forecasting;

/// <summary>
/// A WeeklyForecast run seen by an exporter (OpenTelemetry's in-memory one): one trace with the expected span tree,
/// the notification's own spans nested in the notify step, no activity span twice although the engine restarted
/// while the run waited for its review (its next episode replayed the history), and the run's quality gauges.
/// </summary>
[Collection(WorkflowTracingCollection.Name)]
public sealed class WeeklyForecastTracingTests
{
    [Fact]
    public async Task A_run_is_one_trace_with_its_span_tree_and_a_replayed_episode_adds_no_activity_span_twice()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(EmbeddedEngineTelemetry.SourceName, NotificationTelemetry.SourceName)
            .AddInMemoryExporter(spans)
            .Build();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(WorkflowMetrics.MeterName).AddInMemoryExporter(metrics).Build();
        await using var chat = new WebhookReceiver();
        await using var env = await ForecastTestEnvironment.StartAsync(durable: true, settings: new Dictionary<string, string?>
        {
            ["Serverless:Notifications:Webhooks:chat:Kind"] = "slack",
            ["Serverless:Notifications:Webhooks:chat:Url"] = chat.Url.AbsoluteUri,
        }, engine: o => o.DefaultVersion = WorkflowVersions.Current);

        var id = await env.StartRunAsync();
        await WaitForReviewAsync(env, id);
        await env.RestartEngineAsync();
        await env.ReviewAsync(id, new ForecastReviewDecision("approve", "Tanaka"));
        var state = await env.WaitAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        tracing.ForceFlush();
        meters.ForceFlush();

        var run = spans.ToList().Where(s => s.GetTagItem("durabletask.task.instance_id") as string == id).ToList();
        var root = Assert.Single(run, s => s.DisplayName == "orchestration:WeeklyForecast");
        Assert.Equal(default, root.ParentSpanId);
        Assert.Equal("completed", root.GetTagItem("durabletask.outcome"));
        Assert.Equal(WorkflowVersions.Current, root.GetTagItem("durabletask.task.version"));
        var trace = spans.ToList().Where(s => s.TraceId == root.TraceId).ToList();
        // One trace: everything of the run, and nothing else, and every span but the root hangs in the tree.
        Assert.Equal(trace.Where(s => s.Source.Name == EmbeddedEngineTelemetry.SourceName), run);
        var bySpan = trace.ToDictionary(s => s.SpanId);
        Assert.All(trace.Where(s => s != root), s => Assert.True(bySpan.ContainsKey(s.ParentSpanId), $"{s.DisplayName} has no parent in the trace"));

        var activities = run.Where(s => s.DisplayName.StartsWith("activity:", StringComparison.Ordinal)).ToList();
        Assert.All(activities, a => Assert.Equal(root.SpanId, a.ParentSpanId));
        var counts = activities.GroupBy(a => a.DisplayName).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int>
        {
            ["activity:ForecastPrepare"] = 1,
            ["activity:ForecastAggregateStore"] = 3,
            ["activity:ForecastTrain"] = 1,
            ["activity:ForecastPredictStore"] = 3,
            ["activity:ForecastReview"] = 1,
            ["activity:ForecastNotify"] = 2,
            ["activity:ForecastValidateDecision"] = 1,
            ["activity:ForecastPublishStore"] = 3,
        }, counts);
        // The restart made the next episode rebuild the run from history; no step got a second span from it.
        Assert.Contains(run, s => s.DisplayName == "episode:WeeklyForecast" && Equals(s.GetTagItem("durabletask.episode.replayed"), true));
        Assert.Equal(activities.Count, activities.Select(a => a.GetTagItem("durabletask.task.task_id")).Distinct().Count());
        Assert.All(run.Where(s => s.DisplayName == "episode:WeeklyForecast"), e => Assert.Equal(root.SpanId, e.ParentSpanId));

        // The webhook deliveries are spans of their notify steps.
        var notifySteps = activities.Where(a => a.DisplayName == "activity:ForecastNotify").Select(a => a.SpanId).ToHashSet();
        var deliveries = trace.Where(s => s.DisplayName == "notify chat").ToList();
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Contains(d.ParentSpanId, notifySteps));
        Assert.All(deliveries, d => Assert.Equal("delivered", d.GetTagItem("serverless.notification.outcome")));
        Assert.All(trace, s => Assert.DoesNotContain(s.TagObjects, t => t.Value?.ToString()?.Contains(chat.Url.AbsolutePath, StringComparison.Ordinal) == true));

        // The run's quality figures, per method.
        var output = state.ReadOutputAs<WeeklyForecastOutput>()!;
        var wape = Gauges(metrics, "serverless.forecast.wape");
        Assert.Equal(output.Model.Backtest.Select(m => (m.Method, m.Wape)).OrderBy(p => p.Method), wape.OrderBy(p => p.Method));
        Assert.Equal(output.Model.Backtest.Count, Gauges(metrics, "serverless.forecast.pinball_loss").Count);
    }

    private static List<(string Method, double Value)> Gauges(List<Metric> metrics, string name)
    {
        var values = new List<(string, double)>();
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var method = "";
                foreach (var tag in point.Tags) if (tag.Key == "method") method = tag.Value?.ToString() ?? "";
                values.Add((method, point.GetGaugeLastValueDouble()));
            }
        }
        return values.DistinctBy(v => v.Item1).ToList();
    }

    private static async Task WaitForReviewAsync(ForecastTestEnvironment env, string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while ((await env.Engine.Client.GetInstanceAsync(id, true, timeout.Token))?.ReadCustomStatusAs<WorkflowStatus>()?.WaitingFor is null)
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}

/// <summary>Exporters see every engine in the process: the tracing test runs alone, so the spans it reads are its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkflowTracingCollection
{
    public const string Name = "workflow tracing";
}
