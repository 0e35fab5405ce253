using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Training.Contract;

namespace Serverless.Training.Local;

/// <summary>
/// A job's state on disk (<c>jobs/{name}/job.json</c>): what was run, by which host, and how it
/// ended. It is also the job's manifest: the command line, inputs, outputs and code version.
/// Environment variable values are left out, since they may hold secrets.
/// </summary>
internal sealed record LocalJobRecord
{
    public int SchemaVersion { get; init; } = 1;

    public required string Name { get; init; }

    public required TrainingJobStatus Status { get; init; }

    public string? ErrorMessage { get; init; }

    public required string LogPath { get; init; }

    public required string Executable { get; init; }

    public required IReadOnlyList<string> Arguments { get; init; }

    public required string WorkingDirectory { get; init; }

    public required IReadOnlyDictionary<string, string> Inputs { get; init; }

    public required IReadOnlyDictionary<string, LocalJobOutput> Outputs { get; init; }

    public string? MetricsOutput { get; init; }

    public required IReadOnlyList<string> EnvironmentVariableNames { get; init; }

    public required TimeSpan Timeout { get; init; }

    public required string CodeVersion { get; init; }

    /// <summary>The host process (and service instance) that started and watches the job.</summary>
    public required LocalHostIdentity Host { get; init; }

    public int? ProcessId { get; init; }

    public DateTimeOffset? ProcessStartTimeUtc { get; init; }

    public required DateTimeOffset SubmittedAtUtc { get; init; }

    public DateTimeOffset? StartedAtUtc { get; init; }

    public DateTimeOffset? EndedAtUtc { get; init; }

    public int? ExitCode { get; init; }

    public TrainingJobState ToState() =>
        new(Name, Status, ErrorMessage, LogPath, StartedAtUtc, EndedAtUtc, ExitCode);
}

/// <summary>An output as given in the spec and where it is on this machine.</summary>
internal sealed record LocalJobOutput(string Uri, TrainingDataKind Kind, string Path);

/// <summary>Identifies a runner instance: its process (id and start time) and the instance within that process.</summary>
internal sealed record LocalHostIdentity(int ProcessId, DateTimeOffset ProcessStartTimeUtc, string InstanceId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(LocalJobRecord))]
internal sealed partial class LocalJobJson : JsonSerializerContext
{
}
