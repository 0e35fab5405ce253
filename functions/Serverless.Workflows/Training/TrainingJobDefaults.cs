using System.Globalization;
using Microsoft.Extensions.Configuration;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;
using Serverless.Training.AzureMl;
using Serverless.Training.Contract;

namespace Serverless.Workflows.Training;

/// <summary>
/// What the workflows put into every training job spec, read from configuration:
/// <code>
/// Serverless:Training:Command         the trainer program (default serverless-trainer; the local runner may
///                                     substitute Serverless:Training:Local:TrainerExecutable)
/// Serverless:Training:Timeout         the job's timeout (default 02:00:00)
/// Serverless:Training:Device          auto | cpu | gpu for the ALS kernels (default auto)
/// Serverless:Training:InstanceType    Azure ML VM size, e.g. Standard_NC4as_T4_v3 (default: the cluster's)
/// Serverless:Training:InstanceCount   default 1
/// Serverless:Training:TrainerUri      optional: a folder holding the published trainer (serverless-trainer.dll),
///                                     as a data URI; the job then runs `dotnet ${{inputs.trainer}}/serverless-trainer.dll`
///                                     (how an Azure ML job on the plain .NET runtime image gets the trainer)
/// Serverless:Training:DataUriPrefix   what blob paths are appended to for the job: azureml://datastores/NAME/paths/
///                                     or https://ACCOUNT.blob.core.windows.net/CONTAINER/; default for a
///                                     file-system blob store: file:///its/root/
/// </code>
/// </summary>
public sealed record TrainingJobDefaults
{
    public const string SectionPath = "Serverless:Training";

    public string Command { get; init; } = "serverless-trainer";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(2);

    public string Device { get; init; } = "auto";

    public string? InstanceType { get; init; }

    public int InstanceCount { get; init; } = 1;

    public string? DataUriPrefix { get; init; }

    /// <summary>The published trainer folder as a data URI; null runs <see cref="Command"/> itself.</summary>
    public string? TrainerUri { get; init; }

    public TrainingJobMonitorSettings Monitor { get; init; } = TrainingJobMonitorSettings.Default;

    public TrainingResources Resources => new(InstanceCount, InstanceType);

    public static TrainingJobDefaults FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionPath);
        var defaults = new TrainingJobDefaults();
        var timeoutText = section["Timeout"];
        var timeout = defaults.Timeout;
        if (!string.IsNullOrWhiteSpace(timeoutText)
            && (!TimeSpan.TryParse(timeoutText, CultureInfo.InvariantCulture, out timeout) || timeout <= TimeSpan.Zero))
        {
            throw new InvalidOperationException($"{SectionPath}:Timeout = '{timeoutText}' is not a positive duration (use hh:mm:ss, e.g. 02:00:00).");
        }
        var device = section["Device"] is { Length: > 0 } d ? d.Trim().ToLowerInvariant() : defaults.Device;
        if (device is not ("auto" or "cpu" or "gpu"))
        {
            throw new InvalidOperationException($"{SectionPath}:Device = '{device}' is not auto, cpu or gpu.");
        }
        var countText = section["InstanceCount"];
        var count = defaults.InstanceCount;
        if (!string.IsNullOrWhiteSpace(countText) && (!int.TryParse(countText, NumberStyles.Integer, CultureInfo.InvariantCulture, out count) || count < 1))
        {
            throw new InvalidOperationException($"{SectionPath}:InstanceCount = '{countText}' is not a whole number of at least 1.");
        }
        return new TrainingJobDefaults
        {
            Command = section["Command"] is { Length: > 0 } command ? command.Trim() : defaults.Command,
            Timeout = timeout,
            Device = device,
            InstanceType = section["InstanceType"] is { Length: > 0 } type ? type.Trim() : null,
            InstanceCount = count,
            DataUriPrefix = DataLocation(section, "DataUriPrefix"),
            TrainerUri = DataLocation(section, "TrainerUri"),
            Monitor = TrainingJobMonitorSettings.FromConfiguration(configuration),
        };
    }

    /// <summary>
    /// A folder URI a job can reach: <c>azureml://datastores/NAME/paths/...</c>, an <c>https://</c> blob URL, or
    /// <c>file:</c> on this machine. Anything else is an error naming the key, at start-up rather than at the first job.
    /// </summary>
    private static string? DataLocation(IConfigurationSection section, string key)
    {
        if (section[key] is not { Length: > 0 } text || string.IsNullOrWhiteSpace(text)) return null;
        var value = text.Trim();
        var valid = AzureMlDatastoreUri.TryParse(value) is not null
            || (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.AbsolutePath.Length > 1)
            || value.StartsWith("file:", StringComparison.Ordinal);
        return valid ? value : throw new InvalidOperationException(
            $"{SectionPath}:{key} = '{value}' is not a folder a job can reach; use azureml://datastores/NAME/paths/..., "
            + "https://ACCOUNT.blob.core.windows.net/CONTAINER/... or file:...");
    }

    /// <summary>The URI a job uses for a blob path: the configured prefix, else the file-system blob store's own folder.</summary>
    public string DataUri(IBlobStore blobs, string blobPath)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        BlobPath.Validate(blobPath, nameof(blobPath));
        if (DataUriPrefix is { } prefix) return prefix.EndsWith('/') ? prefix + blobPath : prefix + "/" + blobPath;
        if (blobs is FileSystemBlobStore files)
        {
            var full = Path.GetFullPath(Path.Combine(files.RootDirectory, blobPath.Replace('/', Path.DirectorySeparatorChar)));
            return "file://" + (full.StartsWith('/') ? "" : "/") + full.Replace(Path.DirectorySeparatorChar, '/');
        }
        throw new InvalidOperationException(
            $"{SectionPath}:DataUriPrefix is not set, so a training job cannot reach blob '{blobPath}'. Set it to the Azure ML datastore over the blob container "
            + "(azureml://datastores/NAME/paths/) or to the container's URL (https://ACCOUNT.blob.core.windows.net/CONTAINER/).");
    }
}
