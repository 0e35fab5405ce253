namespace Serverless.Workflows.Experiments;

/// <summary>Every experiment shard's last published apply round (<see cref="ShardStatus"/>), for the status route.</summary>
public sealed class ShardStatusReader(ExperimentDefinitionStore definitions, Storage.Blobs.IBlobStore blobs, ExperimentsSettings settings)
{
    public async Task<IReadOnlyList<ShardStatus>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<ShardStatus>();
        foreach (var (definition, _) in await definitions.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var shard = 0; shard < settings.ShardsPerExperiment; shard++)
            {
                if (await ApplyLagMonitor.ReadStatusAsync(blobs, definition.Id, shard, cancellationToken).ConfigureAwait(false) is { } status) result.Add(status);
            }
        }
        return result;
    }
}
