using System.Xml;
using Serverless.Training.Contract;

namespace Serverless.Training.AzureMl;

/// <summary>Translates between the job contract and Azure ML's Command job resource.</summary>
internal static class AzureMlJobMapping
{
    /// <summary>Job property naming the output that holds metrics.json, so outputs can be collected by name alone.</summary>
    public const string MetricsOutputProperty = "serverless.metricsOutput";

    /// <summary>Job property recording the code version that submitted the job.</summary>
    public const string CodeVersionProperty = "serverless.codeVersion";

    private static readonly Dictionary<string, TrainingJobStatus> StatusesByName =
        Enum.GetValues<TrainingJobStatus>().ToDictionary(s => s.ToString(), StringComparer.OrdinalIgnoreCase);

    /// <param name="spec">The validated spec.</param>
    /// <param name="options">The workspace and its defaults.</param>
    /// <param name="environmentId">The environment, resolved to an id (<see cref="AzureMlEnvironmentReference"/>).</param>
    public static JobResource ToResource(TrainingJobSpec spec, AzureMlTrainingOptions options, string environmentId)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal) { [CodeVersionProperty] = TrainingCodeVersion.Current };
        if (spec.MetricsOutput is not null) properties[MetricsOutputProperty] = spec.MetricsOutput;

        return new JobResource
        {
            Properties = new JobProperties
            {
                JobType = "Command",
                DisplayName = spec.DisplayName ?? spec.Name,
                ExperimentName = spec.ExperimentName ?? options.ExperimentName,
                Command = ShellCommandLine.Join(spec.Command, spec.Arguments),
                EnvironmentId = environmentId,
                ComputeId = ComputeId(spec.Compute ?? options.Compute!, options),
                Inputs = spec.Inputs.ToDictionary(p => p.Key, p => new JobInput { JobInputType = DataType(p.Value.Kind), Uri = p.Value.Uri }, StringComparer.Ordinal),
                Outputs = spec.Outputs.ToDictionary(p => p.Key, p => new JobOutput { JobOutputType = DataType(p.Value.Kind), Uri = p.Value.Uri }, StringComparer.Ordinal),
                Resources = new JobResources { InstanceCount = spec.Resources.InstanceCount, InstanceType = spec.Resources.InstanceType },
                Limits = new JobLimits { JobLimitsType = "Command", Timeout = Iso8601Seconds(spec.Timeout) },
                EnvironmentVariables = new Dictionary<string, string>(spec.EnvironmentVariables, StringComparer.Ordinal),
                Tags = new Dictionary<string, string>(spec.Tags, StringComparer.Ordinal),
                Identity = Identity(options),
                Properties = properties,
            },
        };
    }

    /// <summary>The job's identity; a client id is sent only with a managed identity (the options are validated before).</summary>
    public static JobIdentity Identity(AzureMlTrainingOptions options) => options.JobIdentity switch
    {
        AzureMlJobIdentityType.Managed => new JobIdentity { IdentityType = AzureMlTrainingOptions.JobIdentityName(options.JobIdentity), ClientId = options.JobIdentityClientId },
        AzureMlJobIdentityType.UserIdentity or AzureMlJobIdentityType.AmlToken => new JobIdentity { IdentityType = AzureMlTrainingOptions.JobIdentityName(options.JobIdentity) },
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.JobIdentity, "Unknown Azure ML job identity type."),
    };

    /// <summary>A cluster name becomes the workspace's compute id; an ARM id passes through.</summary>
    public static string ComputeId(string compute, AzureMlTrainingOptions options) =>
        compute.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase) ? compute : $"{options.WorkspaceId}/computes/{compute}";

    /// <summary>Azure ML takes durations to the second; a fraction rounds up so a job never gets less time than asked.</summary>
    public static string Iso8601Seconds(TimeSpan timeout) =>
        XmlConvert.ToString(TimeSpan.FromSeconds(Math.Ceiling(timeout.TotalSeconds)));

    public static string DataType(TrainingDataKind kind) => kind == TrainingDataKind.UriFile ? "uri_file" : "uri_folder";

    public static TrainingJobState ToState(string name, JobResource resource)
    {
        var properties = resource.Properties;
        var status = properties?.Status is { } text && StatusesByName.TryGetValue(text, out var known) ? known : TrainingJobStatus.Unknown;
        var studio = StudioEndpoint(properties);
        return new TrainingJobState(name, status, ErrorMessage(status, properties, studio), studio);
    }

    /// <summary>The Studio page (which holds the job's logs); the tracking endpoint when there is none.</summary>
    private static string? StudioEndpoint(JobProperties? properties)
    {
        if (properties?.Services is not { Count: > 0 } services) return null;
        JobService? Find(string type) => services
            .Where(s => string.Equals(s.Key, type, StringComparison.OrdinalIgnoreCase) || string.Equals(s.Value?.JobServiceType, type, StringComparison.OrdinalIgnoreCase))
            .Select(s => s.Value)
            .FirstOrDefault(s => !string.IsNullOrEmpty(s?.Endpoint));
        return (Find("Studio") ?? Find("Tracking"))?.Endpoint;
    }

    /// <summary>
    /// The job resource has no error field of its own; Azure ML reports failures on the job's service
    /// entries. When none carries a message, the caller is pointed at the logs.
    /// </summary>
    private static string? ErrorMessage(TrainingJobStatus status, JobProperties? properties, string? studio)
    {
        if (status != TrainingJobStatus.Failed) return null;
        var messages = properties?.Services?.Values
            .Select(s => s?.ErrorMessage)
            .Where(m => !string.IsNullOrWhiteSpace(m))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (messages is { Count: > 0 }) return string.Join(" | ", messages);
        return studio is null
            ? "Azure ML reports the job Failed without a message."
            : $"Azure ML reports the job Failed without a message; see the logs at {studio}";
    }
}
