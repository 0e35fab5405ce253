using Serverless.Training.Configuration;
using Serverless.Training.Contract;

namespace Serverless.Training.AzureMl;

/// <summary>Which Azure ML workspace to use, and the defaults for specs that leave compute or environment out.</summary>
public sealed record AzureMlTrainingOptions
{
    /// <summary>
    /// The REST API version this client speaks: 2026-07-01, the newest stable version of
    /// Microsoft.MachineLearningServices. Chosen over 2025-09-01 because it is the newest stable one and
    /// changes none of the fields this client sends or reads (Command job, environment container,
    /// datastore); see functions/Serverless.Training/README.md.
    /// </summary>
    public const string DefaultApiVersion = "2026-07-01";

    /// <summary>The token scope for Azure Resource Manager.</summary>
    public const string DefaultTokenScope = "https://management.azure.com/.default";

    public required string SubscriptionId { get; init; }

    public required string ResourceGroup { get; init; }

    public required string Workspace { get; init; }

    /// <summary>Compute cluster for specs without one.</summary>
    public string? Compute { get; init; }

    /// <summary>
    /// Environment for specs without one: <c>azureml:serverless-trainer:1</c>, <c>azureml:serverless-trainer@latest</c>
    /// (resolved to the newest version at submit time), a registry URI or an ARM id.
    /// </summary>
    public string? Environment { get; init; }

    /// <summary>Experiment for specs without one.</summary>
    public string ExperimentName { get; init; } = "serverless";

    /// <summary>
    /// Client id of the user-assigned managed identity this host calls ARM with; null uses the default
    /// credential chain. It is not the identity the job itself runs as (<see cref="JobIdentity"/>).
    /// </summary>
    public string? ManagedIdentityClientId { get; init; }

    /// <summary>
    /// The identity the job reaches its inputs and outputs with (the job's <c>identity</c>): by default the
    /// compute cluster's managed identity, never silently the identity that submitted the job.
    /// </summary>
    public AzureMlJobIdentityType JobIdentity { get; init; } = AzureMlJobIdentityType.Managed;

    /// <summary>
    /// With <see cref="AzureMlJobIdentityType.Managed"/>: the client id of one of the cluster's user-assigned
    /// identities to run as; null uses the cluster's default identity (its system-assigned identity, or else its
    /// first user-assigned one).
    /// </summary>
    public string? JobIdentityClientId { get; init; }

    /// <summary>Azure Resource Manager's base URI; tests point it at a loopback server.</summary>
    public Uri Endpoint { get; init; } = new("https://management.azure.com");

    public string ApiVersion { get; init; } = DefaultApiVersion;

    public string TokenScope { get; init; } = DefaultTokenScope;

    /// <summary>
    /// Problems with the job identity settings, each naming its configuration key under
    /// <paramref name="sectionPath"/> (<c>Serverless:Training:AzureMl</c>).
    /// </summary>
    public IReadOnlyList<TrainingJobProblem> ValidateJobIdentity(string sectionPath = TrainingSettings.SectionPath + ":AzureMl")
    {
        var problems = new List<TrainingJobProblem>();
        if (!Enum.IsDefined(JobIdentity))
        {
            problems.Add(new($"{sectionPath}:JobIdentity", $"'{JobIdentity}' is not a job identity; use {JobIdentityChoices}"));
        }

        if (JobIdentityClientId is { } clientId)
        {
            if (!Guid.TryParse(clientId, out _))
            {
                problems.Add(new($"{sectionPath}:JobIdentityClientId", $"'{clientId}' is not a client id (a GUID)"));
            }
            else if (JobIdentity != AzureMlJobIdentityType.Managed)
            {
                problems.Add(new($"{sectionPath}:JobIdentityClientId",
                    $"names a user-assigned managed identity, so it needs {sectionPath}:JobIdentity = Managed, not {JobIdentityName(JobIdentity)}"));
            }
        }

        return problems;
    }

    /// <summary>The setting values, as Azure ML spells them.</summary>
    public static string JobIdentityChoices => string.Join(", ", Enum.GetValues<AzureMlJobIdentityType>().Select(JobIdentityName));

    /// <summary>Azure ML's name of an identity type (<c>Managed</c>, <c>UserIdentity</c>, <c>AMLToken</c>).</summary>
    public static string JobIdentityName(AzureMlJobIdentityType type) => type == AzureMlJobIdentityType.AmlToken ? "AMLToken" : type.ToString();

    /// <summary>Reads a setting value, case-insensitively, by name only (a number is not a name).</summary>
    public static bool TryParseJobIdentity(string text, out AzureMlJobIdentityType type)
    {
        foreach (var candidate in Enum.GetValues<AzureMlJobIdentityType>())
        {
            if (string.Equals(text, JobIdentityName(candidate), StringComparison.OrdinalIgnoreCase)
                || string.Equals(text, candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>The workspace's ARM id, the prefix of compute, environment and job ids.</summary>
    public string WorkspaceId =>
        $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/{Workspace}";
}

/// <summary>The identity an Azure ML job accesses data with (Azure ML's <c>identityType</c>).</summary>
public enum AzureMlJobIdentityType
{
    /// <summary>The compute cluster's managed identity (<c>Managed</c>).</summary>
    Managed,

    /// <summary>The identity of whoever submitted the job (<c>UserIdentity</c>); for this host, its own identity.</summary>
    UserIdentity,

    /// <summary>A token Azure ML issues for the workspace (<c>AMLToken</c>); datastores' stored credentials.</summary>
    AmlToken,
}
