using System.Text.RegularExpressions;
using Azure.Core;

namespace Serverless.Training.AzureMl;

/// <summary>
/// How a job names its environment, and what the client does with each form. Azure ML wants an
/// environment id; its SDK turns labels into versions before submitting, and so does this client:
/// <list type="bullet">
/// <item><c>azureml:name:version</c> becomes the workspace environment version's ARM id;</item>
/// <item><c>azureml:name@latest</c> is resolved over REST to the newest version (the environment
/// container's <c>latestVersion</c>);</item>
/// <item><c>azureml://registries/...</c> and ARM ids pass through unchanged;</item>
/// <item>a versionless <c>azureml:name</c> and any label other than <c>latest</c> are refused, with
/// a message saying what to write instead.</item>
/// </list>
/// </summary>
internal abstract partial record AzureMlEnvironmentReference
{
    public const string LatestLabel = "latest";

    [GeneratedRegex(@"^azureml:(?<name>[^:/@]+)(?::(?<version>[^:/@]+)|@(?<label>[^:/@]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ShortForm();

    /// <summary>A workspace environment with a version.</summary>
    public sealed record Versioned(string Name, string Version) : AzureMlEnvironmentReference;

    /// <summary>A workspace environment's newest version, found at submit time.</summary>
    public sealed record Latest(string Name) : AzureMlEnvironmentReference;

    /// <summary>A registry asset or an ARM id, which the service resolves.</summary>
    public sealed record Id(string Value) : AzureMlEnvironmentReference;

    /// <summary>A form the client cannot turn into an id; <see cref="Problem"/> says why.</summary>
    public sealed record Invalid(string Problem) : AzureMlEnvironmentReference;

    public static AzureMlEnvironmentReference Parse(string environment)
    {
        if (environment.StartsWith("azureml://", StringComparison.OrdinalIgnoreCase)
            || environment.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase))
        {
            return new Id(environment);
        }

        var match = ShortForm().Match(environment);
        if (!match.Success)
        {
            return new Invalid($"'{environment}' is not an Azure ML environment; use azureml:<name>:<version>, azureml:<name>@latest, azureml://registries/... or an ARM id");
        }

        var name = match.Groups["name"].Value;
        if (match.Groups["version"].Success) return new Versioned(name, match.Groups["version"].Value);
        if (!match.Groups["label"].Success)
        {
            return new Invalid($"'{environment}' names no version; write azureml:{name}:<version>, or azureml:{name}@latest for the newest");
        }
        var label = match.Groups["label"].Value;
        return string.Equals(label, LatestLabel, StringComparison.Ordinal)
            ? new Latest(name)
            : new Invalid($"'{environment}' uses the label '{label}'; environments are resolved by version or by @latest only");
    }

    /// <summary>The environment id to submit, or null with <paramref name="problem"/> set when it does not resolve.</summary>
    public async Task<(string? Id, string? Problem)> ResolveAsync(AzureMlWorkspaceClient workspace, string subject, CancellationToken cancellationToken)
    {
        switch (this)
        {
            case Versioned versioned:
                return ($"{workspace.Options.WorkspaceId}/environments/{versioned.Name}/versions/{versioned.Version}", null);
            case Id id:
                return (id.Value, null);
            case Invalid invalid:
                return (null, invalid.Problem);
            case Latest latest:
                var operation = $"Resolving environment '{latest.Name}@{LatestLabel}'";
                var response = await workspace.SendAsync(RequestMethod.Get, workspace.WorkspaceUri("environments", latest.Name), null, subject, operation, cancellationToken)
                    .ConfigureAwait(false);
                if (response.Status == 404) return (null, $"environment '{latest.Name}' does not exist in {workspace.WorkspaceScope}, so '@{LatestLabel}' does not resolve");
                if (response.Status != 200) throw workspace.Failure(response, subject, operation);
                var properties = AzureMlWorkspaceClient.Read(response, AzureMlJson.Default.EnvironmentContainerResource, subject, operation).Properties;
                if (properties?.IsArchived == true) return (null, $"environment '{latest.Name}' of {workspace.WorkspaceScope} is archived");
                return string.IsNullOrEmpty(properties?.LatestVersion)
                    ? (null, $"environment '{latest.Name}' of {workspace.WorkspaceScope} has no versions, so '@{LatestLabel}' does not resolve")
                    : ($"{workspace.Options.WorkspaceId}/environments/{latest.Name}/versions/{properties.LatestVersion}", null);
            default:
                throw new InvalidOperationException($"Unknown environment reference {GetType().Name}.");
        }
    }
}
