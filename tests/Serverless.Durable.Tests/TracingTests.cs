using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.Durable.Embedded;

namespace Serverless.Durable.Tests;

/// <summary>
/// The embedded engine's traces, captured by OpenTelemetry's in-memory exporter: one trace per orchestration, spans
/// for its episodes, activities, timers and sub-orchestration calls, the child's trace linked to the parent's call,
/// and no span repeated when an episode replays history after a restart. And its metrics.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class TracingTests
{
    private static void Register(DurableTaskRegistry registry) => registry
        .AddActivityFunc<int, int>("Square", (_, x) => x * x)
        .AddActivityFunc("Fail", new Func<TaskActivityContext, int, int>((_, _) => throw new InvalidOperationException("this step always fails")))
        .AddOrchestratorFunc<int, int>("Child", async (ctx, x) => await ctx.CallActivityAsync<int>("Square", x) + 1)
        .AddOrchestratorFunc<int, int>("Parent", async (ctx, x) =>
        {
            var squares = await Task.WhenAll(Enumerable.Range(1, x).Select(i => ctx.CallActivityAsync<int>("Square", i)));
            await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMilliseconds(200), CancellationToken.None);
            try
            {
                await ctx.CallActivityAsync<int>("Fail", 0);
            }
            catch (TaskFailedException)
            {
            }
            var child = await ctx.CallSubOrchestratorAsync<int>("Child", 3);
            ctx.SetCustomStatus("waiting for Go");
            var approved = await ctx.WaitForExternalEvent<bool>("Go");
            return squares.Sum() + child + (approved ? 1 : 0);
        });

    [Fact]
    public async Task An_orchestration_is_one_trace_of_episodes_activities_a_timer_and_a_linked_sub_orchestration()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(EmbeddedEngineTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        await using var test = await TestEngine.StartAsync(Register);
        var id = "trace-" + Guid.NewGuid().ToString("N");

        await test.Client.ScheduleNewOrchestrationInstanceAsync("Parent", 4, new StartOrchestrationOptions(id, null));
        // Raised at once: the event waits in the inbox until the orchestrator asks for it.
        await test.Client.RaiseEventAsync(id, "Go", true);
        var done = await test.WaitAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        tracing.ForceFlush();

        var all = Captured(spans);
        var parent = all.Where(s => Tag(s, "durabletask.task.instance_id") == id).ToList();
        var root = Assert.Single(parent, s => s.DisplayName == "orchestration:Parent");
        Assert.Equal(default, root.ParentSpanId);
        Assert.Equal(ActivityKind.Server, root.Kind);
        Assert.Equal("completed", Tag(root, "durabletask.outcome"));
        Assert.All(parent, s => Assert.Equal(root.TraceId, s.TraceId));
        Assert.All(parent.Where(s => s != root), s => Assert.Equal(root.SpanId, s.ParentSpanId));
        Assert.True(root.StartTimeUtc <= parent.Min(s => s.StartTimeUtc));

        Assert.Equal(4, parent.Count(s => s.DisplayName == "activity:Square"));
        var failed = Assert.Single(parent, s => s.DisplayName == "activity:Fail");
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("failed", Tag(failed, "durabletask.outcome"));
        Assert.Equal("1", Tag(failed, "durabletask.attempt"));
        var timer = Assert.Single(parent, s => s.DisplayName == "timer");
        Assert.True(timer.Duration >= TimeSpan.FromMilliseconds(150), $"{timer.Duration}");
        Assert.Contains(parent, s => s.DisplayName == "episode:Parent");

        var call = Assert.Single(parent, s => s.DisplayName == "orchestration:Child");
        Assert.Equal(ActivityKind.Client, call.Kind);
        var childId = Tag(call, "durabletask.sub_orchestration.instance_id")!;
        var child = all.Where(s => Tag(s, "durabletask.task.instance_id") == childId).ToList();
        var childRoot = Assert.Single(child, s => s.DisplayName == "orchestration:Child" && s.Kind == ActivityKind.Server);
        Assert.NotEqual(root.TraceId, childRoot.TraceId);
        var link = Assert.Single(childRoot.Links);
        Assert.Equal((root.TraceId, call.SpanId), (link.Context.TraceId, link.Context.SpanId));
        Assert.Equal(id, Tag(childRoot, "durabletask.parent.instance_id"));
        Assert.Single(child, s => s.DisplayName == "activity:Square" && s.ParentSpanId == childRoot.SpanId);
    }

    [Fact]
    public async Task Replaying_an_episode_after_a_restart_adds_no_span_twice()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(EmbeddedEngineTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        await using var test = await TestEngine.StartAsync(Register);
        var id = "replay-" + Guid.NewGuid().ToString("N");

        await test.Client.ScheduleNewOrchestrationInstanceAsync("Parent", 5, new StartOrchestrationOptions(id, null));
        await test.WaitForAsync(id, m => m.SerializedCustomStatus is not null);
        // A new process: the next episode rebuilds the instance from its history.
        await test.RestartAsync();
        await test.Client.RaiseEventAsync(id, "Go", true);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await test.WaitAsync(id)).RuntimeStatus);
        tracing.ForceFlush();

        var parent = Captured(spans).Where(s => Tag(s, "durabletask.task.instance_id") == id).ToList();
        Assert.Contains(parent, s => s.DisplayName == "episode:Parent" && Tag(s, "durabletask.episode.replayed") == "True");
        var steps = parent.Where(s => s.DisplayName is not "episode:Parent" and not "orchestration:Parent").ToList();
        Assert.Equal(8, steps.Count); // 5 squares, the failing step, the timer, the child call
        Assert.Equal(steps.Count, steps.Select(s => Tag(s, "durabletask.task.task_id")).Distinct().Count());
        Assert.Single(parent, s => s.DisplayName == "orchestration:Parent");
    }

    [Fact]
    public async Task Metrics_count_work_items_and_failures_and_time_activities()
    {
        var metrics = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(EmbeddedEngineTelemetry.MeterName).AddInMemoryExporter(metrics).Build();
        await using var test = await TestEngine.StartAsync(Register);
        var id = "metrics-" + Guid.NewGuid().ToString("N");

        await test.Client.ScheduleNewOrchestrationInstanceAsync("Parent", 2, new StartOrchestrationOptions(id, null));
        await test.Client.RaiseEventAsync(id, "Go", true);
        await test.WaitAsync(id);
        metrics.Clear();
        meters.ForceFlush();

        Assert.True(Sum(metrics, "serverless.engine.work_items", ("kind", "activity")) >= 4);
        Assert.True(Sum(metrics, "serverless.engine.work_items", ("kind", "orchestration")) >= 3);
        Assert.True(Sum(metrics, "serverless.engine.failures", ("durabletask.task.name", "Fail")) >= 1);
        Assert.Contains(metrics, m => m.Name == "serverless.engine.activity.duration");
        Assert.Contains(metrics, m => m.Name == "serverless.engine.queue.depth");
        Assert.Contains(metrics, m => m.Name == "serverless.engine.queue.oldest_age");
    }

    private static double Sum(List<Metric> metrics, string name, (string Key, string Value) tag)
    {
        var total = 0.0;
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var matches = false;
                foreach (var t in point.Tags) matches |= t.Key == tag.Key && Equals(t.Value?.ToString(), tag.Value);
                if (matches) total += point.GetSumLong();
            }
        }
        return total;
    }

    // Read once the run is over: the tests of this collection run alone, so no other engine is adding spans.
    private static List<Activity> Captured(List<Activity> spans) => spans.ToList();

    private static string? Tag(Activity span, string name) => span.GetTagItem(name)?.ToString();
}

/// <summary>Exporters see every engine in the process: tracing tests run alone, so the spans they read are their own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "tracing";
}
