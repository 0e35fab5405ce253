using Serverless.Experiments;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Aggregation;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// The cadence step: when enough has changed since the last publication, recomputes an experiment's statistics and
/// bandit weights from its aggregate and publishes both to the document store, where the assignment API and the
/// dashboard read them.
/// </summary>
/// <remarks>
/// <para>Due when the aggregate differs from the one last analysed and either <see cref="ExperimentsSettings.RecomputeEveryEvents"/>
/// events arrived since, <see cref="ExperimentsSettings.RecomputeInterval"/> passed, nothing was published yet, or the
/// caller forces it. An unchanged aggregate is never re-analysed, so replaying batches that were already applied does
/// not move a bandit's weights another step.</para>
/// <para>The analysis "now" is the instant of the latest event counted (never before the last weight change), so the
/// weight history lines up with event time even when a file of old events is replayed, and the same aggregate gives
/// the same statistics.</para>
/// <para>The allocation document is replaced with its ETag: two recomputations racing cannot both step the weights
/// from the same starting point; the loser (another process) reports <c>superseded</c>. In one process they take turns.</para>
/// </remarks>
public sealed class ExperimentRecomputer(
    ExperimentDefinitionStore definitions, ShardStateStore states, IBlobStore blobs, IDocumentStore documents, ExperimentsSettings settings)
{
    // One recomputation per experiment at a time in this process: a caller that arrives while the aggregator recomputes
    // waits and then finds the aggregate analysed, instead of losing the race and finding no analysis yet.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<RecomputeResult> RecomputeIfDueAsync(RecomputeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var gate = _gates.GetOrAdd(request.ExperimentId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RecomputeOnceAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<RecomputeResult> RecomputeOnceAsync(RecomputeRequest request, CancellationToken cancellationToken)
    {
        var found = await definitions.GetAsync(request.ExperimentId, cancellationToken).ConfigureAwait(false);
        if (found is null) return new RecomputeResult(request.ExperimentId, false, "unknown experiment");
        var definition = found.Value.Definition;
        var partition = ExperimentKeys.ExperimentPartition(definition.Id);

        // The shards' status blobs say cheaply whether anything changed and how many events there are.
        var statuses = new List<ShardStatus>();
        for (var shard = 0; shard < settings.ShardsPerExperiment; shard++)
        {
            if (await ApplyLagMonitor.ReadStatusAsync(blobs, definition.Id, shard, cancellationToken).ConfigureAwait(false) is { } status) statuses.Add(status);
        }
        if (statuses.Count == 0) return new RecomputeResult(definition.Id, false, "no events yet");
        var published = await documents.ReadAsync(partition, ExperimentKeys.AnalysisId, ExperimentDocumentsJsonContext.Default.PublishedAnalysis, cancellationToken).ConfigureAwait(false);
        var requestedAt = new DateTimeOffset(DateTime.SpecifyKind(request.RequestedAt, DateTimeKind.Utc));
        if (published is not null && published.Value.AggregateHash == Version(statuses.Select(s => (s.Shard, s.TotalEvents)))) return new RecomputeResult(definition.Id, false, "aggregate unchanged");
        var reason = WhyDue(published?.Value, statuses.Sum(s => s.TotalEvents), request.Force, requestedAt);
        if (reason is null) return new RecomputeResult(definition.Id, false, "not due");

        var loaded = await states.LoadAllStatesAsync(definition.Id, cancellationToken).ConfigureAwait(false);
        if (loaded.Count == 0) return new RecomputeResult(definition.Id, false, "no events yet");
        var shards = loaded.Select(l => l.Aggregate).ToList();
        var aggregateHash = Version(loaded.Select(l => (l.Aggregate.Shard, l.Aggregate.TotalEvents)));
        if (published is not null && published.Value.AggregateHash == aggregateHash) return new RecomputeResult(definition.Id, false, "aggregate unchanged");

        var allocationDocument = await documents.ReadAsync(partition, ExperimentKeys.AllocationId, ExperimentDocumentsJsonContext.Default.AllocationState, cancellationToken).ConfigureAwait(false);
        var allocation = Compatible(allocationDocument?.Value, definition) ?? AllocationState.Initial(definition);

        var summary = AggregateSummary.Merge(shards.Select(s => s.Summarize()).ToList());
        var latestEvent = summary.Variants.Select(v => v.LastEvent).Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty(requestedAt).Max();
        var lastChange = allocation.History.Count > 0 ? allocation.History[^1].EffectiveFrom : DateTimeOffset.MinValue;
        var asOf = latestEvent > lastChange ? latestEvent : lastChange;

        var analysis = ExperimentAnalyzer.Recompute(definition, shards, allocation, asOf, settings.Statistics, published?.Value.Statistics,
            loaded.Select(l => $"{l.Aggregate.Shard}:{l.ETag}").ToList());
        var next = analysis.Allocation.State;
        try
        {
            if (allocationDocument is null)
            {
                await documents.CreateAsync(partition, ExperimentKeys.AllocationId, next, ExperimentDocumentsJsonContext.Default.AllocationState, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await documents.ReplaceAsync(partition, ExperimentKeys.AllocationId, next, allocationDocument.ETag, ExperimentDocumentsJsonContext.Default.AllocationState, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DocumentConflictException)
        {
            return new RecomputeResult(definition.Id, false, "superseded by a concurrent recomputation");
        }

        var events = summary.Variants.Sum(v => v.ExposureEvents + v.ClickEvents + v.ConversionEvents);
        await documents.UpsertAsync(partition, ExperimentKeys.AnalysisId,
            new PublishedAnalysis(definition.Id, requestedAt, asOf, aggregateHash, events, summary, analysis.Statistics, analysis.Allocation.Decision),
            ExperimentDocumentsJsonContext.Default.PublishedAnalysis, cancellationToken).ConfigureAwait(false);
        return new RecomputeResult(definition.Id, true, reason, next.Current.Weights, analysis.Allocation.Decision.Reason, analysis.Statistics.SampleRatio.Mismatch);
    }

    /// <summary>
    /// Recomputes now, whatever the cadence (the dashboard's button, the end of a file replay); still nothing when the
    /// aggregate is the one last analysed, so it never moves a bandit's weights without new data.
    /// </summary>
    public Task<RecomputeResult> RecomputeNowAsync(string experimentId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        RecomputeIfDueAsync(new RecomputeRequest(experimentId, now.UtcDateTime, Force: true), cancellationToken);

    /// <summary>
    /// One token for what all shards counted: equal exactly when no event was applied since. Events are only ever added, so a
    /// shard's event count versions its figures; replays change the ledger and dedupe counters but not this, so they never
    /// move a bandit's weights another step.
    /// </summary>
    private static string Version(IEnumerable<(int Shard, long TotalEvents)> shards) =>
        "events:" + string.Join(",", shards.OrderBy(s => s.Shard).Select(s => $"{s.Shard}={s.TotalEvents}"));

    /// <summary>The weights served to new users: the published allocation, or the definition's initial weights.</summary>
    public async Task<AllocationState> GetAllocationAsync(ExperimentDefinition definition, CancellationToken cancellationToken = default)
    {
        var document = await documents.ReadAsync(ExperimentKeys.ExperimentPartition(definition.Id), ExperimentKeys.AllocationId,
            ExperimentDocumentsJsonContext.Default.AllocationState, cancellationToken).ConfigureAwait(false);
        return Compatible(document?.Value, definition) ?? AllocationState.Initial(definition);
    }

    public async Task<PublishedAnalysis?> GetAnalysisAsync(string experimentId, CancellationToken cancellationToken = default) =>
        (await documents.ReadAsync(ExperimentKeys.ExperimentPartition(experimentId), ExperimentKeys.AnalysisId,
            ExperimentDocumentsJsonContext.Default.PublishedAnalysis, cancellationToken).ConfigureAwait(false))?.Value;

    private string? WhyDue(PublishedAnalysis? published, long totalEvents, bool force, DateTimeOffset requestedAt)
    {
        if (published is null) return "first analysis";
        if (force) return "forced";
        if (totalEvents - published.EventsAtCompute >= settings.RecomputeEveryEvents) return $"{totalEvents - published.EventsAtCompute} new events";
        if (requestedAt - published.ComputedAt >= settings.RecomputeInterval) return $"{settings.RecomputeInterval} since the last analysis";
        return null;
    }

    /// <summary>A stored allocation that still names the definition's variants (a definition edited over HTTP may have changed them).</summary>
    private static AllocationState? Compatible(AllocationState? state, ExperimentDefinition definition)
    {
        if (state is null) return null;
        var ids = definition.Variants.Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
        return state.Current.Count == ids.Count && state.Current.Weights.All(w => ids.Contains(w.VariantId)) ? state : null;
    }
}
