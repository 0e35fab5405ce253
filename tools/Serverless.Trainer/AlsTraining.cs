using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Factorization.Gpu;

namespace Serverless.Trainer;

/// <summary>Where the ALS kernels run.</summary>
public enum AlsDevice
{
    /// <summary>A CUDA or OpenCL GPU through ILGPU when one is present, else SIMD on all cores (as in-process training).</summary>
    Auto,

    /// <summary>SIMD conjugate gradient on all cores.</summary>
    Cpu,

    /// <summary>The ILGPU kernels: on a GPU when one is present, else on ILGPU's CPU accelerator.</summary>
    Gpu,
}

/// <summary>The arguments of <c>serverless-trainer als</c>.</summary>
/// <param name="Interactions">A CSV file <c>user,item,weight[,timestamp]</c>, or a folder holding one.</param>
/// <param name="Config">Optional JSON of the ALS hyper-parameters (camelCase <see cref="AlsOptions"/>).</param>
/// <param name="Output">The folder the model, metrics and manifest are written to.</param>
/// <param name="Device">Where the kernels run.</param>
/// <param name="Seed">Overrides the seed in the config.</param>
/// <param name="Iterations">Overrides the iterations in the config.</param>
/// <param name="Factors">Overrides the factor count in the config.</param>
public sealed record AlsTrainingArguments(
    string Interactions,
    string? Config,
    string Output,
    AlsDevice Device = AlsDevice.Auto,
    ulong? Seed = null,
    int? Iterations = null,
    int? Factors = null);

/// <summary>What an ALS run produced.</summary>
public sealed record AlsTrainingOutcome(string ModelPath, string ModelVersion, string Backend, AlsModel Model);

/// <summary>
/// <c>serverless-trainer als</c>: imports the interactions (bad rows quarantined into the output folder),
/// trains implicit ALS with the domain library on the chosen device, and writes <c>model.als</c>,
/// <c>metrics.json</c> and <c>manifest.json</c>.
/// </summary>
public static class AlsTraining
{
    public const string ModelFileName = "model.als";
    public const string QuarantineFileName = "quarantine.csv";

    public static AlsTrainingOutcome Run(AlsTrainingArguments arguments, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var started = Stopwatch.GetTimestamp();
        var file = ResolveInteractionFile(arguments.Interactions);
        var options = ReadOptions(arguments);
        Directory.CreateDirectory(arguments.Output);

        log.WriteLine($"als: reading {file}");
        InteractionImportResult import;
        using (var reader = new StreamReader(file))
        {
            import = InteractionCsv.Import(reader, file);
        }
        log.WriteLine($"als: {import.RowsAccepted:N0} of {import.RowsRead:N0} rows accepted, {import.Quarantine.Count:N0} quarantined, "
            + $"{import.MergedDuplicates:N0} duplicates merged; {import.Dataset.Users.Count:N0} users x {import.Dataset.Items.Count:N0} items");
        if (import.Quarantine.Count > 0)
        {
            TrainerFiles.WriteAtomically(Path.Combine(arguments.Output, QuarantineFileName), stream =>
            {
                using var writer = new StreamWriter(stream, leaveOpen: true);
                QuarantinedRow.WriteCsv(writer, import.Quarantine);
            });
            foreach (var row in import.Quarantine.Take(5)) log.WriteLine($"als: quarantined {row}");
        }
        var importSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        using var backend = CreateBackend(arguments.Device, log);
        log.WriteLine($"als: training on {backend.Name}: {options.ToCanonicalString()}");
        var result = AlsTrainer.Train(import.Dataset, options, backend,
            info => log.WriteLine($"als: iteration {info.Iteration}/{info.Iterations} in {info.Seconds.ToString("0.000", CultureInfo.InvariantCulture)} s"),
            cancellationToken);

        var modelPath = Path.Combine(arguments.Output, ModelFileName);
        TrainerFiles.WriteAtomically(modelPath, result.Model.WriteTo);

        var timings = new Dictionary<string, double>(result.Manifest.TimingsSeconds) { ["import"] = importSeconds };
        new TrainerMetrics(
            new Dictionary<string, double>
            {
                ["users"] = result.Manifest.Users,
                ["items"] = result.Manifest.Items,
                ["interactions"] = result.Manifest.Interactions,
                ["rowsRead"] = import.RowsRead,
                ["rowsQuarantined"] = import.Quarantine.Count,
                ["duplicatesMerged"] = import.MergedDuplicates,
                ["factorizeSeconds"] = result.Manifest.TimingsSeconds.GetValueOrDefault("factorize"),
            },
            new Dictionary<string, string> { ["modelVersion"] = result.Model.Version, ["backend"] = backend.Name })
            .WriteTo(arguments.Output);

        new TrainerManifest
        {
            Kind = "implicit-als",
            CodeVersion = Serverless.Training.Contract.TrainingCodeVersion.Current,
            Parameters = new Dictionary<string, string>
            {
                ["als"] = options.ToCanonicalString(),
                ["device"] = arguments.Device.ToString().ToLowerInvariant(),
                ["backend"] = backend.Name,
            },
            Inputs = InputHashes(file, arguments.Config),
            DataHash = import.Dataset.Hash,
            ModelVersion = result.Model.Version,
            TimingsSeconds = timings,
        }.WriteTo(arguments.Output);

        log.WriteLine($"als: wrote model {result.Model.Version} to {modelPath}");
        return new AlsTrainingOutcome(modelPath, result.Model.Version, backend.Name, result.Model);
    }

    /// <summary>The backend for a device; <see cref="AlsDevice.Gpu"/> without a GPU runs the same kernels on ILGPU's CPU accelerator.</summary>
    public static IAlsBackend CreateBackend(AlsDevice device, TextWriter log)
    {
        switch (device)
        {
            case AlsDevice.Cpu:
                return new CpuAlsBackend();
            case AlsDevice.Gpu:
                if (IlgpuAlsBackend.TryCreateOnGpu() is { } gpu) return gpu;
                log.WriteLine("als: no CUDA or OpenCL GPU found; running the ILGPU kernels on ILGPU's CPU accelerator");
                return IlgpuAlsBackend.CreateOnCpuAccelerator();
            default:
                return AlsBackends.CreateDefault();
        }
    }

    // Reflection-based on purpose: it sets only the properties the file names, so the others keep
    // AlsOptions' defaults (the source-generated reader would reset init-only properties it did not see).
    private static readonly JsonSerializerOptions ConfigJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    internal static AlsOptions ReadOptions(AlsTrainingArguments arguments)
    {
        var options = AlsOptions.Default;
        if (arguments.Config is { } config)
        {
            if (!File.Exists(config)) throw new TrainerInputException($"{config}: --config: the file does not exist");
            try
            {
                options = JsonSerializer.Deserialize<AlsOptions>(File.ReadAllText(config), ConfigJson)
                    ?? throw new TrainerInputException($"{config}: line 1: the ALS config is null");
            }
            catch (JsonException ex)
            {
                throw new TrainerInputException($"{config}: line {ex.LineNumber + 1}: {ex.Path}: {ex.Message}", ex);
            }
        }
        options = options with
        {
            Seed = arguments.Seed ?? options.Seed,
            Iterations = arguments.Iterations ?? options.Iterations,
            Factors = arguments.Factors ?? options.Factors,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new TrainerInputException($"{arguments.Config ?? "options"}: {ex.ParamName}: {ex.Message}", ex);
        }
        return options;
    }

    /// <summary>The interaction file: the path itself, or the only CSV in a folder (an Azure ML uri_folder input).</summary>
    internal static string ResolveInteractionFile(string path)
    {
        if (File.Exists(path)) return path;
        if (!Directory.Exists(path)) throw new TrainerInputException($"{path}: --interactions: no such file or folder");
        var csv = Directory.GetFiles(path, "*.csv").Order(StringComparer.Ordinal).ToList();
        return csv.Count switch
        {
            1 => csv[0],
            0 => throw new TrainerInputException($"{path}: --interactions: the folder holds no .csv file"),
            _ => csv.FirstOrDefault(f => Path.GetFileName(f) == "interactions.csv")
                 ?? throw new TrainerInputException($"{path}: --interactions: the folder holds {csv.Count} .csv files and none is interactions.csv"),
        };
    }

    private static Dictionary<string, string> InputHashes(string interactions, string? config)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal) { [interactions] = TrainerManifest.Sha256(interactions) };
        if (config is not null) hashes[config] = TrainerManifest.Sha256(config);
        return hashes;
    }
}
