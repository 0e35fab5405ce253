using Serverless.Durable.Embedded.Execution;
using Serverless.Durable.Embedded.Persistence;
using Serverless.Durable.Embedded.Telemetry;

namespace Serverless.Durable.Embedded;

// Traces and metrics: the dispatch loops call in at three points (an episode ran, episodes committed, an
// activity ran); everything else is in Telemetry/.
public sealed partial class EmbeddedEngine
{
    private readonly EngineTelemetry _telemetry;

    private (EpisodeCommit, OrchestrationExecutor?) RunObservedEpisode(OrchestrationWorkItem item, DateTime now)
    {
        var start = UtcNow;
        var (commit, executor) = RunEpisode(item, now);
        _telemetry.EpisodeRan(item, commit, executor, start, UtcNow);
        return (commit, executor);
    }
}
