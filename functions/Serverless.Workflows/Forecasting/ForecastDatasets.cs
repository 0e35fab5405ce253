using System.Text;
using System.Text.RegularExpressions;
using Serverless.Forecasting.Data;
using Serverless.Forecasting.Import;
using Serverless.Forecasting.Synthetic;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Forecasting;

/// <summary>What a dataset holds; written last, so a dataset without it is incomplete and never used.</summary>
/// <param name="Source">"generated" or the imported file's name.</param>
/// <param name="SalesSha256">SHA-256 of sales.csv as stored.</param>
public sealed record ForecastDatasetManifest(
    string Name,
    string Source,
    long Rows,
    int Quarantined,
    IReadOnlyList<string> Stores,
    int Items,
    string FirstDate,
    string LastDate,
    string SalesSha256,
    IReadOnlyList<string> Files,
    string CodeVersion,
    int? Seed = null);

/// <summary>A dataset is missing, incomplete or does not cover what a run needs.</summary>
public sealed class ForecastDataException(string message) : Exception(message);

/// <summary>
/// Sales datasets in the blob store under <c>datasets/forecast/{name}/</c>: the built-in synthetic chain
/// (<see cref="GenerateAsync"/>) or a CSV of the shape <c>date,store,item,sales[,price]</c> (<see cref="ImportAsync"/>).
/// Files are uploaded first and the manifest last (the old manifest is removed first), so a run never
/// sees half a dataset.
/// </summary>
public static partial class ForecastDatasets
{
    public const string Sales = "sales.csv";
    public const string Stockouts = "stockouts.csv";
    public const string PricePlan = "price_plan.csv";
    public const string Weather = "weather.csv";
    public const string Catalogue = "catalogue.json";
    public const string Quarantine = "quarantine.csv";
    public const string ManifestFile = "manifest.json";

    public static void ValidateName(string name)
    {
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException($"dataset name '{name}' must be 1-64 letters, digits, '-' or '_', starting with a letter or digit.");
    }

    public static async Task<ForecastDatasetManifest?> ReadManifestAsync(IBlobStore blobs, string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        var path = ForecastArtifacts.DatasetFile(name, ManifestFile);
        if (!await blobs.ExistsAsync(path, cancellationToken)) return null;
        return await ForecastArtifacts.ReadJsonAsync<ForecastDatasetManifest>(blobs, path, cancellationToken);
    }

    /// <summary>Generates the synthetic chain and stores it as dataset <paramref name="name"/>.</summary>
    public static async Task<ForecastDatasetManifest> GenerateAsync(IBlobStore blobs, string name, GeneratorOptions options, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        var chain = ChainGenerator.Generate(options);
        var folder = Directory.CreateTempSubdirectory("serverless-forecast-data-");
        try
        {
            chain.WriteFiles(folder.FullName);
            var rows = CountLines(Path.Combine(folder.FullName, Sales)) - 1;
            var files = new[] { Sales, Stockouts, PricePlan, Weather, Catalogue };
            return await PublishAsync(blobs, name, folder.FullName, files, sha => new ForecastDatasetManifest(name, "generated", rows, 0,
                chain.Catalogue.Stores.Select(s => s.Id).Order(StringComparer.Ordinal).ToList(), chain.Catalogue.Items.Count,
                ForecastArtifacts.Date(options.Start), ForecastArtifacts.Date(options.End), sha, files, ForecastArtifacts.CodeVersion, options.Seed), cancellationToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Imports a sales CSV: every row is validated, bad rows go to the dataset's quarantine.csv (file,
    /// line, field, reason), good rows to its sales.csv. An empty file, a wrong header or a file without
    /// one good row publishes nothing.
    /// </summary>
    public static async Task<(ForecastDatasetManifest Manifest, IReadOnlyList<QuarantineRecord> Quarantined)> ImportAsync(
        IBlobStore blobs, string name, string file, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: no such file.", file);
        var quarantine = new Quarantine();
        var folder = Directory.CreateTempSubdirectory("serverless-forecast-import-");
        try
        {
            var stores = new SortedSet<string>(StringComparer.Ordinal);
            var items = new HashSet<string>(StringComparer.Ordinal);
            DateOnly first = DateOnly.MaxValue, last = DateOnly.MinValue;
            long rows = 0;
            var withPrice = HasPriceColumn(file);
            await using (var output = new StreamWriter(Path.Combine(folder.FullName, Sales), false, new UTF8Encoding(false)))
            {
                SalesCsvFormat.Write(output, SalesCsvImporter.ReadFile(file, quarantine), withPrice, r =>
                {
                    rows++;
                    stores.Add(r.Store);
                    items.Add(r.Item);
                    if (r.Date < first) first = r.Date;
                    if (r.Date > last) last = r.Date;
                });
            }
            if (rows == 0)
            {
                var why = quarantine.Count > 0 ? $"all {quarantine.Count} rows were refused, first: line {quarantine.Records[0].Line}, field '{quarantine.Records[0].Field}': {quarantine.Records[0].Reason}" : "it has no rows";
                throw new SalesImportException(file, quarantine.Count > 0 ? quarantine.Records[0].Line : 2, $"nothing to import: {why}.");
            }
            var files = new List<string> { Sales };
            if (quarantine.Count > 0)
            {
                await using var writer = new StreamWriter(Path.Combine(folder.FullName, Quarantine), false, new UTF8Encoding(false));
                quarantine.WriteCsv(writer);
                files.Add(Quarantine);
            }
            var manifest = await PublishAsync(blobs, name, folder.FullName, files, sha => new ForecastDatasetManifest(name, Path.GetFileName(file), rows, quarantine.Count,
                stores.ToList(), items.Count, ForecastArtifacts.Date(first), ForecastArtifacts.Date(last), sha, files, ForecastArtifacts.CodeVersion), cancellationToken);
            return (manifest, quarantine.Records);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<ForecastDatasetManifest> PublishAsync(IBlobStore blobs, string name, string folder, IReadOnlyList<string> files,
        Func<string, ForecastDatasetManifest> manifest, CancellationToken cancellationToken)
    {
        await blobs.DeleteAsync(ForecastArtifacts.DatasetFile(name, ManifestFile), cancellationToken);
        // Files of an earlier version of the dataset that this one does not have must not linger.
        foreach (var stale in new[] { Sales, Stockouts, PricePlan, Weather, Catalogue, Quarantine }.Except(files))
        {
            await blobs.DeleteAsync(ForecastArtifacts.DatasetFile(name, stale), cancellationToken);
        }
        string? salesSha = null;
        foreach (var file in files)
        {
            await using var stream = File.OpenRead(Path.Combine(folder, file));
            var written = await blobs.WriteAsync(ForecastArtifacts.DatasetFile(name, file), stream, BlobWriteCondition.Overwrite, cancellationToken);
            if (file == Sales) salesSha = written.ContentSha256;
        }
        var result = manifest(salesSha ?? "");
        await blobs.WriteAsync(ForecastArtifacts.DatasetFile(name, ManifestFile), ForecastArtifacts.ToJsonBytes(result), BlobWriteCondition.Overwrite, cancellationToken);
        return result;
    }

    private static bool HasPriceColumn(string file)
    {
        using var reader = new StreamReader(file);
        var header = reader.ReadLine()?.TrimStart('\uFEFF').Trim() ?? "";
        return header.Split(',').Length >= 5;
    }

    private static long CountLines(string path)
    {
        long count = 0;
        using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer)) > 0) count += buffer.AsSpan(0, read).Count((byte)'\n');
        return count;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();
}
