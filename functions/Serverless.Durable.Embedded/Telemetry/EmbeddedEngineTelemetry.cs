namespace Serverless.Durable.Embedded;

/// <summary>
/// The names under which the embedded engine publishes its traces (<see cref="System.Diagnostics.ActivitySource"/>) and
/// metrics (<see cref="System.Diagnostics.Metrics.Meter"/>); hosts add them to their OpenTelemetry providers.
/// </summary>
/// <remarks>
/// Spans, one trace per orchestration execution: <c>orchestration:{name}</c> (the root, from start to end),
/// <c>episode:{name}</c> (each episode, <c>durabletask.episode.replayed</c> when its state was rebuilt by replay),
/// <c>activity:{name}</c> (each execution of an activity, with its delivery attempt), <c>timer</c> (a durable timer's
/// wait) and <c>orchestration:{child}</c> (a sub-orchestration call; the child's root links to it). Spans are emitted
/// only for what an episode newly committed, so replay never repeats one.
/// Metrics: <c>serverless.engine.work_items</c>, <c>serverless.engine.queue.depth</c>, <c>serverless.engine.queue.oldest_age</c>,
/// <c>serverless.engine.activity.duration</c>, <c>serverless.engine.episode.duration</c>, <c>serverless.engine.failures</c>.
/// </remarks>
public static class EmbeddedEngineTelemetry
{
    public const string SourceName = "Serverless.Durable.Embedded";

    public const string MeterName = "Serverless.Durable.Embedded";
}
