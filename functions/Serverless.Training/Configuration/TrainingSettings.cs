using Microsoft.Extensions.Configuration;
using Serverless.Training.AzureMl;
using Serverless.Training.Contract;
using Serverless.Training.Local;

namespace Serverless.Training.Configuration;

/// <summary>
/// The training settings read from configuration (appsettings.json or <c>Serverless__Training__...</c>
/// environment variables):
/// <code>
/// Serverless:Training:Mode                          InProcess (default) | Local | AzureMl
/// Serverless:Training:Local:RootDirectory           the local blob store root
/// Serverless:Training:Local:TrainerExecutable       optional path of the trainer executable
/// Serverless:Training:AzureMl:SubscriptionId        required for AzureMl
/// Serverless:Training:AzureMl:ResourceGroup         required for AzureMl
/// Serverless:Training:AzureMl:Workspace             required for AzureMl
/// Serverless:Training:AzureMl:Compute               default compute cluster
/// Serverless:Training:AzureMl:Environment           default environment, e.g. azureml:serverless-trainer:1
/// Serverless:Training:AzureMl:ExperimentName        optional (default "serverless")
/// Serverless:Training:AzureMl:ManagedIdentityClientId  optional user-assigned identity that calls ARM
/// Serverless:Training:AzureMl:JobIdentity           the identity jobs access data with: Managed (default; the
///                                                   cluster's identity) | UserIdentity | AMLToken
/// Serverless:Training:AzureMl:JobIdentityClientId   optional, with Managed: which user-assigned identity of the cluster
/// Serverless:Training:AzureMl:Endpoint              optional ARM endpoint (default https://management.azure.com)
/// </code>
/// </summary>
public sealed record TrainingSettings(TrainingMode Mode, LocalTrainingOptions? Local = null, AzureMlTrainingOptions? AzureMl = null)
{
    public const string SectionPath = "Serverless:Training";

    /// <summary>Reads the settings; every missing or malformed key is reported at once, by its full key.</summary>
    /// <exception cref="TrainingConfigurationException">Some settings are missing or malformed.</exception>
    public static TrainingSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionPath);
        var problems = new List<TrainingJobProblem>();

        var modeText = section["Mode"];
        var mode = TrainingMode.InProcess;
        if (!string.IsNullOrWhiteSpace(modeText) && !Enum.TryParse(modeText, ignoreCase: true, out mode) || !Enum.IsDefined(mode))
        {
            problems.Add(new($"{SectionPath}:Mode", $"'{modeText}' is not a training mode; use {string.Join(", ", Enum.GetNames<TrainingMode>())}"));
        }

        LocalTrainingOptions? local = null;
        AzureMlTrainingOptions? azureMl = null;
        if (mode == TrainingMode.Local) local = ReadLocal(section.GetSection("Local"), problems);
        if (mode == TrainingMode.AzureMl) azureMl = ReadAzureMl(section.GetSection("AzureMl"), problems);

        if (problems.Count > 0) throw new TrainingConfigurationException(problems);
        return new TrainingSettings(mode, local, azureMl);
    }

    private static LocalTrainingOptions? ReadLocal(IConfigurationSection section, List<TrainingJobProblem> problems)
    {
        var root = Required(section, "RootDirectory", problems);
        return root is null ? null : new LocalTrainingOptions { RootDirectory = root, TrainerExecutable = Optional(section, "TrainerExecutable") };
    }

    private static AzureMlTrainingOptions? ReadAzureMl(IConfigurationSection section, List<TrainingJobProblem> problems)
    {
        var subscription = Required(section, "SubscriptionId", problems);
        var resourceGroup = Required(section, "ResourceGroup", problems);
        var workspace = Required(section, "Workspace", problems);

        var endpoint = new Uri("https://management.azure.com");
        if (Optional(section, "Endpoint") is { } endpointText
            && (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint!) || endpoint.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add(new(section.Path + ":Endpoint", $"'{endpointText}' is not an absolute https URI"));
        }

        var jobIdentity = AzureMlJobIdentityType.Managed;
        var jobIdentityValid = true;
        if (Optional(section, "JobIdentity") is { } jobIdentityText && !AzureMlTrainingOptions.TryParseJobIdentity(jobIdentityText, out jobIdentity))
        {
            problems.Add(new(section.Path + ":JobIdentity", $"'{jobIdentityText}' is not a job identity; use {AzureMlTrainingOptions.JobIdentityChoices}"));
            jobIdentityValid = false;
        }

        var identityOptions = new AzureMlTrainingOptions
        {
            SubscriptionId = subscription ?? "",
            ResourceGroup = resourceGroup ?? "",
            Workspace = workspace ?? "",
            JobIdentity = jobIdentity,
            JobIdentityClientId = Optional(section, "JobIdentityClientId"),
        };
        // An unreadable JobIdentity is reported on its own; the client id cannot be judged against it.
        if (jobIdentityValid) problems.AddRange(identityOptions.ValidateJobIdentity(section.Path));

        if (subscription is null || resourceGroup is null || workspace is null || endpoint is null) return null;
        return identityOptions with
        {
            SubscriptionId = subscription,
            ResourceGroup = resourceGroup,
            Workspace = workspace,
            Compute = Optional(section, "Compute"),
            Environment = Optional(section, "Environment"),
            ExperimentName = Optional(section, "ExperimentName") ?? "serverless",
            ManagedIdentityClientId = Optional(section, "ManagedIdentityClientId"),
            Endpoint = endpoint,
        };
    }

    private static string? Optional(IConfigurationSection section, string key) =>
        string.IsNullOrWhiteSpace(section[key]) ? null : section[key]!.Trim();

    private static string? Required(IConfigurationSection section, string key, List<TrainingJobProblem> problems)
    {
        var value = Optional(section, key);
        if (value is null) problems.Add(new($"{section.Path}:{key}", "is required"));
        return value;
    }
}

/// <summary>The training settings are missing or malformed; each problem names its configuration key.</summary>
public sealed class TrainingConfigurationException : Exception
{
    public TrainingConfigurationException(IReadOnlyList<TrainingJobProblem> problems)
        : base("The training settings are invalid:" + string.Concat(problems.Select(p => $"{Environment.NewLine} - {p}")))
    {
        Problems = problems;
    }

    public IReadOnlyList<TrainingJobProblem> Problems { get; }
}
