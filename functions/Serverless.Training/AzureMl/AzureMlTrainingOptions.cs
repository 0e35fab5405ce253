namespace Serverless.Training.AzureMl;

/// <summary>Which Azure ML workspace to use, and the defaults for specs that leave compute or environment out.</summary>
public sealed record AzureMlTrainingOptions
{
    /// <summary>The REST API version this client speaks.</summary>
    public const string DefaultApiVersion = "2025-09-01";

    /// <summary>The token scope for Azure Resource Manager.</summary>
    public const string DefaultTokenScope = "https://management.azure.com/.default";

    public required string SubscriptionId { get; init; }

    public required string ResourceGroup { get; init; }

    public required string Workspace { get; init; }

    /// <summary>Compute cluster for specs without one.</summary>
    public string? Compute { get; init; }

    /// <summary>Environment for specs without one, for example <c>azureml:serverless-trainer:1</c>.</summary>
    public string? Environment { get; init; }

    /// <summary>Experiment for specs without one.</summary>
    public string ExperimentName { get; init; } = "serverless";

    /// <summary>Client id of a user-assigned managed identity; null uses the default credential chain.</summary>
    public string? ManagedIdentityClientId { get; init; }

    /// <summary>Azure Resource Manager's base URI; tests point it at a loopback server.</summary>
    public Uri Endpoint { get; init; } = new("https://management.azure.com");

    public string ApiVersion { get; init; } = DefaultApiVersion;

    public string TokenScope { get; init; } = DefaultTokenScope;

    /// <summary>The workspace's ARM id, the prefix of compute, environment and job ids.</summary>
    public string WorkspaceId =>
        $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/{Workspace}";
}
