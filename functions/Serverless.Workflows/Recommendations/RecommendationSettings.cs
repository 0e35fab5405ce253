using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Rules;
using Serverless.Recommendations.Search;

namespace Serverless.Workflows.Recommendations;

/// <summary>
/// Which services the refresh rebuilds and how: where each one's interaction log and catalogue are,
/// the synthetic data to generate when the log is missing, ALS parameters, evaluation, gate and business rules.
/// Read from the JSON file named by <c>Serverless:Recommendations:ConfigPath</c>, else <see cref="BuiltInJson"/>.
/// </summary>
public sealed record RecommendationSettings
{
    public const string ConfigPathKey = "Serverless:Recommendations:ConfigPath";
    public const string TrainingKey = "Serverless:Recommendations:Training";
    public const string BuiltInSource = "built-in recommendation settings";

    /// <summary>Users per scoring shard (one fan-out activity each).</summary>
    public int UserShardSize { get; init; } = 500;

    /// <summary>Items per neighbour shard (one fan-out activity each).</summary>
    public int ItemShardSize { get; init; } = 500;

    public IReadOnlyList<ServiceSettings> Services { get; init; } = [];

    /// <summary>Two services on the built-in synthetic data: a part-time job board and a career site.</summary>
    public const string BuiltInJson = """
        {
          "userShardSize": 500,
          "itemShardSize": 500,
          "services": [
            {
              "service": "jobs",
              "description": "part-time job board",
              "synthetic": {},
              "search": {},
              "rules": { "listLength": 10, "minUserInteractions": 3, "maxPerCategory": 4 }
            },
            {
              "service": "careers",
              "description": "career site",
              "synthetic": { "users": 2000, "items": 1200, "interactions": 90000, "categories": 16, "tasteClusters": 8, "seed": 20250107 },
              "search": {},
              "rules": {
                "listLength": 10, "minListLength": 8, "minUserInteractions": 4, "maxPerCategory": 3,
                "pinned": [ { "itemId": "i000007", "position": 3 } ],
                "excludedCategories": [ "c15" ]
              }
            }
          ]
        }
        """;

    internal static readonly JsonSerializerOptions Json = CreateJsonOptions();

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }

    /// <summary>Reads the settings the configuration names (or the built-in ones) and checks them.</summary>
    /// <returns>The settings and where they came from.</returns>
    public static (RecommendationSettings Settings, string Source) Load(IConfiguration configuration, WorkflowPaths paths)
    {
        var configured = configuration[ConfigPathKey];
        if (string.IsNullOrWhiteSpace(configured)) return (Parse(BuiltInJson, BuiltInSource), BuiltInSource);
        var path = paths.Resolve(configured);
        if (!File.Exists(path))
        {
            throw new RecommendationSettingsException($"{ConfigPathKey} names '{path}', which does not exist.");
        }
        return (Parse(File.ReadAllText(path), path), path);
    }

    /// <summary>Parses and validates settings JSON; errors name the source, line and field.</summary>
    public static RecommendationSettings Parse(string json, string source)
    {
        RecommendationSettings? settings;
        try
        {
            settings = JsonSerializer.Deserialize<RecommendationSettings>(json, Json);
        }
        catch (JsonException e)
        {
            throw new RecommendationSettingsException($"{source}: line {(e.LineNumber ?? 0) + 1}, field '{e.Path ?? "(document)"}': {e.Message}", e);
        }
        if (settings is null) throw new RecommendationSettingsException($"{source}: the document is null.");
        return settings.Validated(source);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The settings of one service; an unknown name is an error listing the known ones.</summary>
    public ServiceSettings Get(string service) =>
        Services.FirstOrDefault(s => string.Equals(s.Service, service, StringComparison.Ordinal))
        ?? throw new RecommendationSettingsException(
            $"Unknown service '{service}'; configured services: {string.Join(", ", Services.Select(s => s.Service))}.");

    private RecommendationSettings Validated(string source)
    {
        if (UserShardSize < 1) throw new RecommendationSettingsException($"{source}: field 'userShardSize' must be at least 1, got {UserShardSize}.");
        if (ItemShardSize < 1) throw new RecommendationSettingsException($"{source}: field 'itemShardSize' must be at least 1, got {ItemShardSize}.");
        if (Services.Count == 0) throw new RecommendationSettingsException($"{source}: field 'services' lists no service.");
        var services = new List<ServiceSettings>();
        for (var i = 0; i < Services.Count; i++) services.Add(Services[i].Validated(source, $"services[{i}]"));
        var twice = services.GroupBy(s => s.Service, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (twice.Length > 0) throw new RecommendationSettingsException($"{source}: field 'services': service named twice ({string.Join(", ", twice)}).");
        return this with { Services = services };
    }
}

/// <summary>One service's data, model, evaluation, gate and rules.</summary>
public sealed record ServiceSettings
{
    public required string Service { get; init; }

    public string? Description { get; init; }

    /// <summary>Blob path of the interaction log (<c>user,item,weight[,timestamp]</c>); default <c>recommendations/{service}/input/interactions.csv</c>.</summary>
    public string? Interactions { get; init; }

    /// <summary>Blob path of the item catalogue (<c>item,category[,added]</c>), optional; default <c>recommendations/{service}/input/catalog.csv</c>.</summary>
    public string? Catalog { get; init; }

    /// <summary>When set and the interaction log is missing, the built-in generator writes one (and its catalogue) with these options.</summary>
    public SyntheticDataOptions? Synthetic { get; init; }

    /// <summary>The configured ALS parameters: what is trained without a search, and the search's trial 0 (the "defaults").</summary>
    public AlsOptions Als { get; init; } = AlsOptions.Default;

    /// <summary>The hyper-parameter search (a fan-out of trials); null trains <see cref="Als"/> as it is.</summary>
    public SearchSpace? Search { get; init; }

    public EvaluationOptions Evaluation { get; init; } = EvaluationOptions.Default;

    public GateOptions Gate { get; init; } = GateOptions.Default;

    /// <summary>The share of rows that may be quarantined before the import refuses the file (0.05 = 5%).</summary>
    public double MaxQuarantinedShare { get; init; } = 0.05;

    /// <summary>Business rules; <c>service</c> may be left out (it is this service).</summary>
    public ServiceConfig? Rules { get; init; }

    [JsonIgnore]
    public string InteractionsPath => Interactions ?? RecommendationPaths.DefaultInteractions(Service);

    [JsonIgnore]
    public string CatalogPath => Catalog ?? RecommendationPaths.DefaultCatalog(Service);

    /// <summary>The rules with this service's name.</summary>
    [JsonIgnore]
    public ServiceConfig RulesConfig => Rules is null ? new ServiceConfig(Service) : Rules with { Service = Service };

    internal ServiceSettings Validated(string source, string field)
    {
        string Where(string name) => $"{source}: field '{field}.{name}'";
        if (string.IsNullOrWhiteSpace(Service)) throw new RecommendationSettingsException($"{Where("service")}: the service name is empty.");
        try
        {
            Serverless.Storage.Documents.DocumentKey.ValidateId(Service, "service");
            Serverless.Storage.Blobs.BlobPath.Validate(RecommendationPaths.DefaultInteractions(Service), "service");
        }
        catch (ArgumentException e)
        {
            throw new RecommendationSettingsException($"{Where("service")}: '{Service}' cannot name documents and blobs: {e.Message}", e);
        }
        if (Rules is not null && !string.IsNullOrEmpty(Rules.Service) && Rules.Service != Service)
        {
            throw new RecommendationSettingsException($"{Where("rules.service")}: '{Rules.Service}' differs from the service '{Service}'.");
        }
        foreach (var (name, path) in new[] { ("interactions", InteractionsPath), ("catalog", CatalogPath) })
        {
            try { Serverless.Storage.Blobs.BlobPath.Validate(path, name); }
            catch (ArgumentException e) { throw new RecommendationSettingsException($"{Where(name)}: {e.Message}", e); }
        }
        try { Als.Validate(); }
        catch (ArgumentOutOfRangeException e) { throw new RecommendationSettingsException($"{Where("als." + JsonNamingPolicy.CamelCase.ConvertName(e.ParamName ?? ""))}: {e.Message}", e); }
        if (Evaluation.K < 1) throw new RecommendationSettingsException($"{Where("evaluation.k")}: must be at least 1, got {Evaluation.K}.");
        if (Evaluation.HoldoutFraction is <= 0 or >= 1) throw new RecommendationSettingsException($"{Where("evaluation.holdoutFraction")}: must be within (0, 1), got {Evaluation.HoldoutFraction}.");
        if (Gate.Tolerance is < 0 or >= 1 || double.IsNaN(Gate.Tolerance)) throw new RecommendationSettingsException($"{Where("gate.tolerance")}: must be within [0, 1), got {Gate.Tolerance}.");
        if (Gate.MinimumTestUsers < 1) throw new RecommendationSettingsException($"{Where("gate.minimumTestUsers")}: must be at least 1, got {Gate.MinimumTestUsers}.");
        if (Search is not null)
        {
            try { Search.Validate(); }
            catch (SearchSpaceException e) { throw new RecommendationSettingsException($"{source}: field '{field}.search.{e.Field}': {e.Reason}."); }
        }
        if (MaxQuarantinedShare is < 0 or > 1 || double.IsNaN(MaxQuarantinedShare)) throw new RecommendationSettingsException($"{Where("maxQuarantinedShare")}: must be within [0, 1], got {MaxQuarantinedShare}.");
        try { RulesConfig.Validate($"{source} ({field}.rules)"); }
        catch (ServiceConfigException e) { throw new RecommendationSettingsException(e.Message, e); }
        return this;
    }
}

/// <summary>The recommendation settings cannot be used; the message names the source and field.</summary>
public sealed class RecommendationSettingsException : Exception
{
    public RecommendationSettingsException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}

/// <summary>Where the refresh keeps things in the blob store and the document store.</summary>
public static class RecommendationPaths
{
    public const string Root = "recommendations";

    /// <summary>The partition of the per-service pointer documents (id = service) naming the lists in service.</summary>
    public const string ServicesPartition = "recommendations/services";

    public static string DefaultInteractions(string service) => $"{Root}/{service}/input/interactions.csv";

    public static string DefaultCatalog(string service) => $"{Root}/{service}/input/catalog.csv";

    public static string Data(string service, string dataHash) => $"{Root}/{service}/data/{Short(dataHash)}";

    public static string Model(string service, string modelVersion) => $"{Root}/{service}/models/{modelVersion}";

    public static string Lists(string service, string listVersion) => $"{Root}/{service}/lists/{listVersion}";

    /// <summary>Where each published model is archived (model and manifest), for the gate of later refreshes.</summary>
    public static string Archive(string service, string modelVersion) => $"{Root}/{service}/archive/{modelVersion}";

    public static string Run(string runId) => $"{Root}/runs/{runId}";

    /// <summary>The partition of one service's user-to-items lists (id = user).</summary>
    public static string UserPartition(string service) => $"{Root}/{service}/users";

    /// <summary>The partition of one service's item-to-items lists (id = item).</summary>
    public static string ItemPartition(string service) => $"{Root}/{service}/items";

    public static string Short(string hash) => hash.Length <= 12 ? hash : hash[..12];

    /// <summary>Instance ids may hold characters a blob path refuses; keep letters, digits, '-' and '_'.</summary>
    public static string SafeSegment(string value)
    {
        var chars = value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray();
        var text = new string(chars).Trim('_');
        return text.Length == 0 ? "run" : text;
    }
}
