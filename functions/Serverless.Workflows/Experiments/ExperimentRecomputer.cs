using Serverless.Experiments;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;
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
/// from the same starting point; the loser reports <c>superseded</c>.</para>
/// </remarks>
public sealed class ExperimentRecomputer(
    ExperimentDefinitionStore definitions, AggregateStore aggregates, IDocumentStore documents, ExperimentsSettings settings)
{
    public async Task<RecomputeResult> RecomputeIfDueAsync(RecomputeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var found = await definitions.GetAsync(request.ExperimentId, cancellationToken).ConfigureAwait(false);
        if (found is null) return new RecomputeResult(request.ExperimentId, false, "unknown experiment");
        var definition = found.Value.Definition;
        var partition = ExperimentKeys.ExperimentPartition(definition.Id);

        var published = await documents.ReadAsync(partition, ExperimentKeys.AnalysisId, ExperimentDocumentsJsonContext.Default.PublishedAnalysis, cancellationToken).ConfigureAwait(false);
        var requestedAt = new DateTimeOffset(DateTime.SpecifyKind(request.RequestedAt, DateTimeKind.Utc));
        if (published is not null && published.Value.AggregateHash == request.AggregateHash) return new RecomputeResult(definition.Id, false, "aggregate unchanged");
        var reason = WhyDue(published?.Value, request, requestedAt);
        if (reason is null) return new RecomputeResult(definition.Id, false, "not due");

        var loaded = await aggregates.TryLoadAsync(definition.Id, cancellationToken).ConfigureAwait(false);
        if (loaded is null) return new RecomputeResult(definition.Id, false, "no events yet");
        var aggregate = loaded.Aggregate;
        var aggregateHash = loaded.Hash;
        if (published is not null && published.Value.AggregateHash == aggregateHash) return new RecomputeResult(definition.Id, false, "aggregate unchanged");

        var allocationDocument = await documents.ReadAsync(partition, ExperimentKeys.AllocationId, ExperimentDocumentsJsonContext.Default.AllocationState, cancellationToken).ConfigureAwait(false);
        var allocation = Compatible(allocationDocument?.Value, definition) ?? AllocationState.Initial(definition);

        var summary = aggregate.Summarize();
        var latestEvent = summary.Variants.Select(v => v.LastEvent).Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty(requestedAt).Max();
        var lastChange = allocation.History.Count > 0 ? allocation.History[^1].EffectiveFrom : DateTimeOffset.MinValue;
        var asOf = latestEvent > lastChange ? latestEvent : lastChange;

        var analysis = ExperimentAnalyzer.Recompute(definition, aggregate, allocation, asOf, settings.Statistics);
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
    public async Task<RecomputeResult> RecomputeNowAsync(string experimentId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var loaded = await aggregates.TryLoadAsync(experimentId, cancellationToken).ConfigureAwait(false);
        if (loaded is null) return new RecomputeResult(experimentId, false, "no events yet");
        var request = new RecomputeRequest(experimentId, AggregateStore.TotalEvents(loaded.Aggregate), loaded.Hash, now.UtcDateTime, Force: true);
        return await RecomputeIfDueAsync(request, cancellationToken).ConfigureAwait(false);
    }

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

    private string? WhyDue(PublishedAnalysis? published, RecomputeRequest request, DateTimeOffset requestedAt)
    {
        if (published is null) return "first analysis";
        if (request.Force) return "forced";
        if (request.TotalEvents - published.EventsAtCompute >= settings.RecomputeEveryEvents) return $"{request.TotalEvents - published.EventsAtCompute} new events";
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
