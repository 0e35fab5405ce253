namespace Serverless.Storage.Azure.Documents;

/// <summary>How a <see cref="CosmosDocumentStore"/> treats its account.</summary>
public sealed record CosmosDocumentStoreOptions
{
    /// <summary>
    /// The Cosmos DB emulator used here (cosmosdb-server) answers a point read of a missing item
    /// with 500 instead of 404. When true, a 500 on a point read means "not found". Set only for
    /// the emulator (the provider sets it for loopback endpoints): against Azure a 500 is a real
    /// server error and must surface.
    /// </summary>
    public bool MissingItemReadsAsServerError { get; init; }

    /// <summary>Run once before the first request, e.g. to create the database and container; null to assume they exist.</summary>
    public Func<CancellationToken, Task>? EnsureContainerAsync { get; init; }
}
