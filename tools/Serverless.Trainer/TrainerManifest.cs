using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Trainer;

/// <summary>
/// What a trainer run wrote and what made it: the command, its parameters, the hash of every input
/// file, the code version, and the hash of every output file. Written as <c>manifest.json</c> beside the model.
/// </summary>
public sealed record TrainerManifest
{
    public required string Kind { get; init; }

    public required string CodeVersion { get; init; }

    /// <summary>The parameters that shaped the model (hyper-parameters, seed, device).</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>SHA-256 of each input file, by its path as given.</summary>
    public required IReadOnlyDictionary<string, string> Inputs { get; init; }

    /// <summary>The content hash of the training data as the domain library computes it.</summary>
    public required string DataHash { get; init; }

    public required string ModelVersion { get; init; }

    /// <summary>SHA-256 of each file written, by its name in the output folder (the manifest itself excluded).</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, double> TimingsSeconds { get; init; } = new Dictionary<string, double>();

    public const string FileName = "manifest.json";

    public static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>Hashes the files in <paramref name="folder"/> and writes the manifest there.</summary>
    public void WriteTo(string folder)
    {
        var outputs = Directory.EnumerateFiles(folder)
            .Where(f => Path.GetFileName(f) != FileName)
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f), Sha256, StringComparer.Ordinal);
        var manifest = this with { Outputs = outputs };
        TrainerFiles.WriteAtomically(Path.Combine(folder, FileName), JsonSerializer.SerializeToUtf8Bytes(manifest, TrainerJson.Default.TrainerManifest));
    }
}

/// <summary>The metrics a run reports (<c>metrics.json</c>): numbers by name, plus short text facts.</summary>
public sealed record TrainerMetrics(IReadOnlyDictionary<string, double> Metrics, IReadOnlyDictionary<string, string> Facts)
{
    public void WriteTo(string folder) =>
        TrainerFiles.WriteAtomically(Path.Combine(folder, Serverless.Training.Contract.TrainingJobOutputs.MetricsFileName),
            JsonSerializer.SerializeToUtf8Bytes(this, TrainerJson.Default.TrainerMetrics));
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(TrainerManifest))]
[JsonSerializable(typeof(TrainerMetrics))]
internal sealed partial class TrainerJson : JsonSerializerContext
{
}

internal static class TrainerFiles
{
    /// <summary>Writes a file so a reader sees the old content or the new, never a part.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + ".partial";
        File.WriteAllBytes(temp, content.ToArray());
        File.Move(temp, path, overwrite: true);
    }

    public static void WriteAtomically(string path, Action<Stream> write)
    {
        var temp = path + ".partial";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>Bad input named by file, line or option: the trainer exits with code 2 and this one message.</summary>
public sealed class TrainerInputException(string message, Exception? innerException = null) : Exception(message, innerException);
