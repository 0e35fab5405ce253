using System.Text.Json.Serialization;

namespace Serverless.Training.AzureMl;

// The slice of Azure ML's REST contract (Microsoft.MachineLearningServices/workspaces/jobs, environments
// and datastores, api-version 2026-07-01) that this client writes and reads. The same types serve the PUT
// body and the GET answer; read-only fields (status, services) are null when writing and omitted.

internal sealed class JobResource
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public JobProperties? Properties { get; set; }
}

internal sealed class JobProperties
{
    public string JobType { get; set; } = "Command";

    public string? DisplayName { get; set; }

    public string? ExperimentName { get; set; }

    public string? Command { get; set; }

    public string? EnvironmentId { get; set; }

    public string? ComputeId { get; set; }

    public Dictionary<string, JobInput>? Inputs { get; set; }

    public Dictionary<string, JobOutput>? Outputs { get; set; }

    public JobResources? Resources { get; set; }

    public JobLimits? Limits { get; set; }

    public Dictionary<string, string>? EnvironmentVariables { get; set; }

    public Dictionary<string, string>? Tags { get; set; }

    /// <summary>The identity the job accesses data with.</summary>
    public JobIdentity? Identity { get; set; }

    /// <summary>The job's property bag; this client records the metrics output and code version there.</summary>
    public Dictionary<string, string>? Properties { get; set; }

    /// <summary>Read-only: the job's lifecycle state.</summary>
    public string? Status { get; set; }

    /// <summary>Read-only: the job's endpoints, among them <c>Studio</c> (the portal page with the logs).</summary>
    public Dictionary<string, JobService>? Services { get; set; }
}

internal sealed class JobInput
{
    public string JobInputType { get; set; } = "uri_folder";

    public string? Uri { get; set; }
}

internal sealed class JobOutput
{
    public string JobOutputType { get; set; } = "uri_folder";

    public string? Uri { get; set; }
}

internal sealed class JobResources
{
    public int InstanceCount { get; set; } = 1;

    public string? InstanceType { get; set; }
}

internal sealed class JobLimits
{
    public string JobLimitsType { get; set; } = "Command";

    /// <summary>ISO 8601 duration with whole seconds, for example <c>PT1H</c>.</summary>
    public string? Timeout { get; set; }
}

/// <summary>
/// Azure ML's identity configuration: <c>identityType</c> is <c>AMLToken</c>, <c>Managed</c> or <c>UserIdentity</c>;
/// a managed identity may name one of the compute's user-assigned identities by <c>clientId</c>.
/// </summary>
internal sealed class JobIdentity
{
    public string IdentityType { get; set; } = "Managed";

    public string? ClientId { get; set; }
}

internal sealed class JobService
{
    public string? JobServiceType { get; set; }

    public string? Endpoint { get; set; }

    public string? Status { get; set; }

    public string? ErrorMessage { get; set; }
}

/// <summary>An environment container (<c>workspaces/{ws}/environments/{name}</c>): the name's versions, and which is newest.</summary>
internal sealed class EnvironmentContainerResource
{
    public EnvironmentContainerProperties? Properties { get; set; }
}

internal sealed class EnvironmentContainerProperties
{
    /// <summary>Read-only: the newest version, what <c>@latest</c> means.</summary>
    public string? LatestVersion { get; set; }

    public bool? IsArchived { get; set; }
}

/// <summary>A datastore (<c>workspaces/{ws}/datastores/{name}</c>): where its blobs are.</summary>
internal sealed class DatastoreResource
{
    public string? Name { get; set; }

    public DatastoreProperties? Properties { get; set; }
}

internal sealed class DatastoreProperties
{
    /// <summary><c>AzureBlob</c>, <c>AzureDataLakeGen2</c>, <c>AzureFile</c>, ...</summary>
    public string? DatastoreType { get; set; }

    public string? AccountName { get; set; }

    /// <summary>The blob container (<c>AzureBlob</c>).</summary>
    public string? ContainerName { get; set; }

    /// <summary>The file system (<c>AzureDataLakeGen2</c>), a blob container too.</summary>
    public string? Filesystem { get; set; }

    /// <summary>The storage suffix, for example <c>core.windows.net</c>.</summary>
    public string? Endpoint { get; set; }

    public string? Protocol { get; set; }
}

/// <summary>Azure Resource Manager's error answer.</summary>
internal sealed class ArmErrorResponse
{
    public ArmError? Error { get; set; }
}

internal sealed class ArmError
{
    public string? Code { get; set; }

    public string? Message { get; set; }

    public List<ArmError>? Details { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobResource))]
[JsonSerializable(typeof(EnvironmentContainerResource))]
[JsonSerializable(typeof(DatastoreResource))]
[JsonSerializable(typeof(ArmErrorResponse))]
internal sealed partial class AzureMlJson : JsonSerializerContext
{
}
