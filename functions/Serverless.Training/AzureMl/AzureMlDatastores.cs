using System.Text.RegularExpressions;
using Azure.Core;

namespace Serverless.Training.AzureMl;

/// <summary>
/// A datastore URI, <c>azureml://datastores/NAME/paths/PATH</c> (or its long form naming the subscription,
/// resource group and workspace), split into the datastore and the path inside it.
/// </summary>
public sealed partial record AzureMlDatastoreUri(string Datastore, string Path, string? Workspace)
{
    [GeneratedRegex(@"^azureml://(?:subscriptions/[^/]+/resource[gG]roups/[^/]+/(?:providers/Microsoft\.MachineLearningServices/)?workspaces/(?<ws>[^/]+)/)?datastores/(?<name>[^/]+)/paths/(?<path>.*)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>The parts of <paramref name="uri"/>, or null when it is not a datastore URI.</summary>
    public static AzureMlDatastoreUri? TryParse(string? uri)
    {
        if (uri is null) return null;
        var match = Pattern().Match(uri);
        if (!match.Success) return null;
        return new AzureMlDatastoreUri(match.Groups["name"].Value, Uri.UnescapeDataString(match.Groups["path"].Value),
            match.Groups["ws"].Success ? match.Groups["ws"].Value : null);
    }

    /// <summary>True when the URI names no workspace or this one, so the workspace's datastore API answers for it.</summary>
    public bool IsIn(string workspace) => Workspace is null || string.Equals(Workspace, workspace, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Where a blob datastore keeps its blobs: the account's blob endpoint and the container.</summary>
public sealed record AzureMlDatastore(string Name, string DatastoreType, Uri BlobServiceUri, string ContainerName)
{
    public Uri ContainerUri => new(BlobServiceUri.AbsoluteUri.TrimEnd('/') + "/" + ContainerName);
}

/// <summary>Reads datastores through the workspace's <c>datastores/{name}</c> API.</summary>
internal sealed class AzureMlDatastores(AzureMlWorkspaceClient workspace)
{
    private static readonly string[] BlobTypes = ["AzureBlob", "AzureDataLakeGen2"];

    /// <summary>The datastore, or null when the workspace has none of that name.</summary>
    /// <exception cref="Contract.TrainingAccessDeniedException">The caller may not read the workspace's datastores.</exception>
    /// <exception cref="NotSupportedException">The datastore is not over blob storage.</exception>
    public async Task<AzureMlDatastore?> FindAsync(string name, string subject, CancellationToken cancellationToken)
    {
        var operation = $"Reading datastore '{name}'";
        var response = await workspace.SendAsync(RequestMethod.Get, workspace.WorkspaceUri("datastores", name), null, subject, operation, cancellationToken)
            .ConfigureAwait(false);
        if (response.Status == 404) return null;
        if (response.Status != 200) throw workspace.Failure(response, subject, operation);

        var properties = AzureMlWorkspaceClient.Read(response, AzureMlJson.Default.DatastoreResource, subject, operation).Properties;
        var type = properties?.DatastoreType ?? "(none)";
        var container = properties?.ContainerName ?? properties?.Filesystem;
        if (!BlobTypes.Contains(type, StringComparer.OrdinalIgnoreCase) || string.IsNullOrEmpty(properties?.AccountName) || string.IsNullOrEmpty(container))
        {
            throw new NotSupportedException(
                $"Datastore '{name}' of {workspace.WorkspaceScope} is of type {type}; training data is read from blob datastores (AzureBlob, AzureDataLakeGen2) only.");
        }

        var protocol = string.IsNullOrEmpty(properties.Protocol) ? "https" : properties.Protocol;
        var suffix = string.IsNullOrEmpty(properties.Endpoint) ? "core.windows.net" : properties.Endpoint;
        return new AzureMlDatastore(name, type, new Uri($"{protocol}://{properties.AccountName}.blob.{suffix}"), container);
    }
}
