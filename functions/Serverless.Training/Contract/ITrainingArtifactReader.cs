namespace Serverless.Training.Contract;

/// <summary>
/// Reads a small text artifact (the metrics file) that a job wrote to storage. The Azure ML client
/// takes one so it can return metrics without knowing about blob storage; callers supply an
/// implementation backed by their storage adapter.
/// </summary>
public interface ITrainingArtifactReader
{
    /// <summary>The file's text, or null when it does not exist.</summary>
    Task<string?> ReadTextAsync(string uri, CancellationToken cancellationToken);
}
