using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Forecasting;

/// <summary>
/// Where the weekly forecast keeps things in the blob store, and how its documents are written.
/// </summary>
/// <remarks>
/// <code>
/// datasets/forecast/{dataset}/sales.csv (+ stockouts.csv, price_plan.csv, weather.csv, catalogue.json, manifest.json)
/// forecast/runs/{runDate}/{runKey}/       one run's artifacts; runKey hashes config, seed, dataset hash and code version
///     run.json                            parameters, data range and hashes
///     quarantine.csv                      rows of the dataset refused at this run (if any)
///     partitions/{store}.bin              the store's rows in the window the run needs
///     aggregates/{store}.bin (+ .manifest.json)
///     model/model.bin (+ manifest.json)
///     forecasts/{store}.json (+ .manifest.json)
///     review/package.json
///     proposals/{decisionKey}/{store}.csv | .json | .manifest.json
/// forecast/reviews/{instanceId}.json      pointer from an instance to its review package and deadline
/// stores/{store}/orders/{weekStart}.json  the published order file: one per store and target week, written once
/// </code>
/// </remarks>
public static class ForecastArtifacts
{
    public const string DefaultDataset = "builtin";

    public static readonly JsonSerializerOptions Json = CreateJson(indented: true);

    public static readonly JsonSerializerOptions CompactJson = CreateJson(indented: false);

    /// <summary>The version of this code recorded in every manifest (the commit in CI builds).</summary>
    public static string CodeVersion { get; } =
        typeof(ForecastArtifacts).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static string DatasetFolder(string dataset) => $"datasets/forecast/{dataset}";

    public static string DatasetFile(string dataset, string file) => $"{DatasetFolder(dataset)}/{file}";

    public static string RunRoot(string runDate, string runKey) => $"forecast/runs/{runDate}/{runKey}";

    public static string Partition(string root, string store) => $"{root}/partitions/{store}.bin";

    public static string Aggregate(string root, string store) => $"{root}/aggregates/{store}.bin";

    public static string Model(string root) => $"{root}/model/model.bin";

    public static string Forecast(string root, string store) => $"{root}/forecasts/{store}.json";

    public static string ReviewPackage(string root) => $"{root}/review/package.json";

    public static string ReviewPointer(string instanceId) => $"forecast/reviews/{Uri.EscapeDataString(instanceId)}.json";

    public static string Proposal(string root, string decisionKey, string store, string extension) => $"{root}/proposals/{decisionKey}/{store}.{extension}";

    public static string StoreFile(string store, string weekStart) => $"stores/{store}/orders/{weekStart}.json";

    /// <summary>The manifest beside an artifact: <c>x.bin</c> -> <c>x.manifest.json</c>.</summary>
    public static string ManifestOf(string path)
    {
        var slash = path.LastIndexOf('/');
        var dot = path.LastIndexOf('.');
        return (dot > slash ? path[..dot] : path) + ".manifest.json";
    }

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly ParseDate(string text, string field)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        throw new ArgumentException($"{field}: '{text}' is not a yyyy-MM-dd date.");
    }

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Sha256(string text) => Sha256(Encoding.UTF8.GetBytes(text));

    public static byte[] ToJsonBytes<T>(T value, bool indented = true) =>
        JsonSerializer.SerializeToUtf8Bytes(value, indented ? Json : CompactJson);

    public static async Task<T> ReadJsonAsync<T>(IBlobStore blobs, string path, CancellationToken cancellationToken)
    {
        var bytes = await blobs.ReadAllBytesAsync(path, cancellationToken);
        return JsonSerializer.Deserialize<T>(bytes, Json) ?? throw new InvalidDataException($"blob '{path}' holds no {typeof(T).Name}");
    }

    /// <summary>Writes an intermediate artifact (replacing a previous attempt's) and its manifest.</summary>
    public static async Task<string> WriteArtifactAsync(IBlobStore blobs, string path, byte[] content, ArtifactManifest manifest, CancellationToken cancellationToken)
    {
        var hash = Sha256(content);
        await blobs.WriteAsync(path, content, BlobWriteCondition.Overwrite, cancellationToken);
        await blobs.WriteAsync(ManifestOf(path), ToJsonBytes(manifest with { ContentSha256 = hash }), BlobWriteCondition.Overwrite, cancellationToken);
        return hash;
    }

    private static JsonSerializerOptions CreateJson(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = indented };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>
/// What every artifact of a run carries: what it is, the parameters that produced it, the hash of
/// the data it was made from, the code version, and the hash of its own bytes.
/// </summary>
public sealed record ArtifactManifest(
    string Kind,
    string RunDate,
    string RunKey,
    IReadOnlyDictionary<string, string> Parameters,
    string DataHash,
    string CodeVersion,
    string? ContentSha256 = null,
    IReadOnlyDictionary<string, double>? Metrics = null);
