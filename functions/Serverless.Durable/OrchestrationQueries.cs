using Microsoft.DurableTask.Client;

namespace Serverless.Durable;

/// <summary>One page of a query; pass <see cref="ContinuationToken"/> back for the next page.</summary>
public sealed record OrchestrationQueryResult(IReadOnlyList<OrchestrationMetadata> Instances, string? ContinuationToken);

public static class OrchestrationQueries
{
    /// <summary>
    /// One page of <see cref="DurableTaskClient.GetAllInstancesAsync"/>, for callers that page by request
    /// (the HTTP API, the CLI) rather than enumerate everything.
    /// </summary>
    public static async Task<OrchestrationQueryResult> QueryInstancesAsync(this DurableTaskClient client, OrchestrationQuery query,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(query);
        await foreach (var page in client.GetAllInstancesAsync(query).AsPages(query.ContinuationToken, query.PageSize)
                           .WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            return new OrchestrationQueryResult(page.Values, page.ContinuationToken);
        }
        return new OrchestrationQueryResult([], null);
    }
}
