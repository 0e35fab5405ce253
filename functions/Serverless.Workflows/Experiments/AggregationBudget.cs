namespace Serverless.Workflows.Experiments;

/// <summary>
/// Aggregation's own concurrency budget in this process: apply rounds and recomputations take a slot
/// (<see cref="ExperimentsSettings.ApplyConcurrency"/>, half the cores by default), so however many events pour in, the
/// other workflows' activities and the API keep the remaining cores. Waiting for a slot holds no thread. With one singleton
/// aggregator per shard, aggregation also holds at most one engine activity slot per shard.
/// </summary>
public sealed class AggregationBudget(ExperimentsSettings settings)
{
    private readonly SemaphoreSlim _slots = new(settings.ApplyConcurrency, settings.ApplyConcurrency);

    public int Slots => settings.ApplyConcurrency;

    /// <summary>
    /// Batches submitted at once (<see cref="ExperimentsSettings.IngestionConcurrency"/>): parsing takes CPU and the storage
    /// writes block threads, so more requests wait here without a thread and the rest of the API keeps the thread pool.
    /// </summary>
    public SemaphoreSlim Ingesting { get; } = new(settings.IngestionConcurrency, settings.IngestionConcurrency);

    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Leave the caller's thread: the work is CPU-bound and the caller may be an engine dispatch loop.
            return await Task.Run(work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }
}
