using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Recommendations;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Rules;
using Serverless.Recommendations.Scoring;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;
using Serverless.Storage.Notifications;
using Serverless.Workflows.Common;

namespace Serverless.Workflows.Recommendations;

/// <summary>The names the orchestrator calls its activities by.</summary>
public static class RecommendationActivityNames
{
    public const string Plan = "RecommendationPlan";
    public const string Import = "RecommendationImport";
    public const string SearchPlan = "RecommendationSearchPlan";
    public const string SearchTrial = "RecommendationSearchTrial";
    public const string SearchSelect = "RecommendationSearchSelect";
    public const string Train = "RecommendationTrain";
    public const string Evaluate = "RecommendationEvaluate";
    public const string ScoreShard = "RecommendationScoreShard";
    public const string PublishShard = "RecommendationPublishShard";
    public const string Activate = "RecommendationActivate";
    public const string Report = "RecommendationReport";
}

/// <summary>Reads the settings, picks the services, applies the seed and stores the snapshot every later step reads.</summary>
public sealed class RecommendationPlanActivity(IConfiguration configuration, WorkflowPaths paths, IBlobStore blobs)
    : TaskActivity<PlanRequest, RefreshPlan>
{
    public override async Task<RefreshPlan> RunAsync(TaskActivityContext context, PlanRequest input)
    {
        var (settings, source) = RecommendationSettings.Load(configuration, paths);
        var training = ReadTrainingMode(configuration);

        IReadOnlyList<string> services = input.Services is { Count: > 0 } requested
            ? requested.Distinct(StringComparer.Ordinal).Select(s => settings.Get(s).Service).ToArray()
            : settings.Services.Select(s => s.Service).ToArray();
        if (input.Seed is { } seed)
        {
            settings = settings with { Services = settings.Services.Select(s => s with { Als = s.Als with { Seed = seed } }).ToArray() };
        }

        var settingsPath = RecommendationPaths.Run(input.RunId) + "/settings.json";
        await blobs.WriteAsync(settingsPath, Encoding.UTF8.GetBytes(settings.ToJson()), BlobWriteCondition.Overwrite, context.CancellationToken);
        return new RefreshPlan(input.RunId, settingsPath, source, training, services, settings.UserShardSize, settings.ItemShardSize);
    }

    internal static RecommendationTrainingMode ReadTrainingMode(IConfiguration configuration)
    {
        var text = configuration[RecommendationSettings.TrainingKey];
        if (string.IsNullOrWhiteSpace(text)) return RecommendationTrainingMode.InProcess;
        if (!Enum.TryParse<RecommendationTrainingMode>(text, ignoreCase: true, out var mode) || !Enum.IsDefined(mode))
        {
            throw new RecommendationSettingsException($"{RecommendationSettings.TrainingKey} must be InProcess or Job, got '{text}'.");
        }
        return mode;
    }
}

/// <summary>
/// Loads a service's interaction log (writing the built-in synthetic data first when the log is missing
/// and the service asks for it), imports it with quarantine, checks the rules against its items and
/// stores the accepted input under a path derived from the data hash.
/// </summary>
public sealed class RecommendationImportActivity(IBlobStore blobs, IDocumentStore documents) : TaskActivity<ServiceStep, ImportedData>
{
    public override async Task<ImportedData> RunAsync(TaskActivityContext context, ServiceStep input)
    {
        var cancellationToken = context.CancellationToken;
        var artifacts = new RecommendationArtifacts(blobs, documents);
        var settings = await artifacts.ReadServiceSettingsAsync(input.SettingsPath, input.Service, cancellationToken);

        var generated = false;
        if (!await blobs.ExistsAsync(settings.InteractionsPath, cancellationToken))
        {
            if (settings.Synthetic is null)
            {
                throw new InvalidDataException($"{settings.InteractionsPath}: service '{settings.Service}' has no interaction file in the blob store (and no synthetic data configured).");
            }
            await GenerateAsync(settings, cancellationToken);
            generated = true;
        }

        var imported = await artifacts.ImportInteractionsAsync(settings.InteractionsPath, cancellationToken);
        var quarantine = imported.Quarantine.ToList();
        if (imported.Quarantine.Count > settings.MaxQuarantinedShare * imported.RowsRead)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{settings.InteractionsPath}: {imported.Quarantine.Count} of {imported.RowsRead} rows were rejected, more than the {settings.MaxQuarantinedShare:0.#%} allowed; first: {string.Join("; ", imported.Quarantine.Take(3))}"));
        }

        var dataset = imported.Dataset;
        RecentDatasets.Add(dataset);
        var dataFolder = RecommendationPaths.Data(settings.Service, dataset.Hash);
        var catalog = ItemCatalog.Empty;
        string? catalogCopy = null;
        if (await blobs.ExistsAsync(settings.CatalogPath, cancellationToken))
        {
            var catalogBytes = await blobs.ReadAllBytesAsync(settings.CatalogPath, cancellationToken);
            var catalogImport = ItemCatalog.Import(new StreamReader(new MemoryStream(catalogBytes), Encoding.UTF8, true), settings.CatalogPath);
            catalog = catalogImport.Catalog;
            quarantine.AddRange(catalogImport.Quarantine);
            catalogCopy = dataFolder + "/catalog.csv";
            await blobs.WriteAsync(catalogCopy, catalogBytes, BlobWriteCondition.Overwrite, cancellationToken);
        }

        // The rules must name only items and categories this data or catalogue knows: check before any training.
        var probe = new AlsModel(settings.Als, dataset.Hash, dataset.Users, dataset.Items,
            new AlsFactors(1, new float[dataset.Users.Count], new float[dataset.Items.Count]), dataset.ToUserItemMatrix());
        ListRules.Create(settings.RulesConfig, probe, catalog, $"{input.SettingsPath} (service {settings.Service})");

        var dataPath = dataFolder + "/interactions.csv";
        await blobs.WriteAsync(dataPath, await blobs.ReadAllBytesAsync(settings.InteractionsPath, cancellationToken), BlobWriteCondition.Overwrite, cancellationToken);
        string? quarantinePath = null;
        if (quarantine.Count > 0)
        {
            quarantinePath = dataFolder + "/quarantine.csv";
            var writer = new StringWriter(CultureInfo.InvariantCulture);
            QuarantinedRow.WriteCsv(writer, quarantine);
            await blobs.WriteAsync(quarantinePath, Encoding.UTF8.GetBytes(writer.ToString()), BlobWriteCondition.Overwrite, cancellationToken);
        }

        return new ImportedData(settings.Service, dataPath, catalogCopy, dataset.Hash, dataset.Users.Count, dataset.Items.Count, dataset.Count,
            imported.RowsRead, quarantine.Count, imported.MergedDuplicates, quarantinePath, generated);
    }

    private async Task GenerateAsync(ServiceSettings settings, CancellationToken cancellationToken)
    {
        SyntheticData data;
        try
        {
            data = SyntheticInteractions.Generate(settings.Synthetic!);
        }
        catch (ArgumentException e)
        {
            throw new RecommendationSettingsException($"Service '{settings.Service}', field 'synthetic': {e.Message}", e);
        }
        var interactions = new StringWriter(CultureInfo.InvariantCulture);
        data.WriteInteractionsCsv(interactions);
        var catalog = new StringWriter(CultureInfo.InvariantCulture);
        data.Catalog.WriteCsv(catalog);
        // The generator is deterministic, so a repeated step writes the same bytes (write-once accepts them).
        if (!await blobs.ExistsAsync(settings.CatalogPath, cancellationToken))
        {
            await blobs.WriteOnceAsync(settings.CatalogPath, Encoding.UTF8.GetBytes(catalog.ToString()), cancellationToken);
        }
        await blobs.WriteOnceAsync(settings.InteractionsPath, Encoding.UTF8.GetBytes(interactions.ToString()), cancellationToken);
    }
}

/// <summary>
/// The in-process training step: the search's winner (or the configured ALS parameters) on all the imported data;
/// the model and its manifest go to the blob store.
/// </summary>
public sealed class RecommendationTrainActivity(IBlobStore blobs, IDocumentStore documents) : TaskActivity<TrainRequest, TrainedModel>
{
    public override async Task<TrainedModel> RunAsync(TaskActivityContext context, TrainRequest input)
    {
        var cancellationToken = context.CancellationToken;
        var artifacts = new RecommendationArtifacts(blobs, documents);
        var settings = await artifacts.ReadServiceSettingsAsync(input.SettingsPath, input.Service, cancellationToken);
        var dataset = await artifacts.ReadDatasetAsync(input.DataPath, input.DataHash, cancellationToken);

        var trained = ModelTrainer.Train(dataset, input.Recipe ?? ModelRecipe.ForAls(settings.Als), cancellationToken: cancellationToken);
        return await StoreAsync(artifacts, settings, trained.Model, trained.Manifest, cancellationToken);
    }

    /// <summary>Stores a model and its manifest under the model version (also the entry point for models trained elsewhere).</summary>
    public static async Task<TrainedModel> StoreAsync(RecommendationArtifacts artifacts, ServiceSettings settings, RecommendationModel model, ModelManifest manifest,
        CancellationToken cancellationToken)
    {
        var folder = RecommendationPaths.Model(settings.Service, model.Version);
        var modelStream = new MemoryStream();
        model.WriteTo(modelStream);
        var modelPath = folder + "/" + model.FileName;
        await artifacts.Blobs.WriteAsync(modelPath, modelStream.GetBuffer().AsMemory(0, (int)modelStream.Length), BlobWriteCondition.Overwrite, cancellationToken);
        var manifestStream = new MemoryStream();
        PublishedListJson.WriteManifest(manifestStream, manifest);
        await artifacts.Blobs.WriteAsync(folder + "/manifest.json", manifestStream.ToArray(), BlobWriteCondition.Overwrite, cancellationToken);
        var seconds = manifest.TimingsSeconds.GetValueOrDefault("factorize", manifest.TimingsSeconds.GetValueOrDefault("solve"));
        return new TrainedModel(model.Version, modelPath, folder + "/manifest.json", ListVersion.For(settings.RulesConfig, model),
            model.Users.Count, model.Items.Count, manifest.Backend, seconds);
    }
}

/// <summary>
/// The gate: on the split the search plan fixed, measures the candidate (the winning recipe fitted to the split's
/// training part), the configured parameters fitted the same way, the archived model in service as it was trained,
/// and popularity, then decides (see <see cref="PublishGate"/>). The report goes to the run's folder; the metrics
/// into the model's manifest.
/// </summary>
public sealed class RecommendationEvaluateActivity(IBlobStore blobs, IDocumentStore documents) : TaskActivity<EvaluateRequest, EvaluationOutcome>
{
    public override async Task<EvaluationOutcome> RunAsync(TaskActivityContext context, EvaluateRequest input)
    {
        var cancellationToken = context.CancellationToken;
        var artifacts = new RecommendationArtifacts(blobs, documents);
        var settings = await artifacts.ReadServiceSettingsAsync(input.SettingsPath, input.Service, cancellationToken);
        var manifest = PublishedListJson.ReadManifest(new MemoryStream(await artifacts.ReadRequiredAsync(input.Model.ManifestPath, "model manifest", cancellationToken)));
        var dataset = await artifacts.ReadDatasetAsync(input.DataPath, manifest.DataHash, cancellationToken);
        var split = await artifacts.ReadSplitAsync(input.Search.GateSplitPath, dataset, cancellationToken);
        var archived = input.Search.Champion is { } reference ? await artifacts.ReadChampionAsync(reference, cancellationToken) : default;
        var champion = archived.Model;

        var candidateRecipe = manifest.Recipe;
        var defaultsRecipe = ModelRecipe.ForAls(settings.Als);
        ChampionChallengerReport report;
        using (var backend = AlsBackends.CreateDefault())
        {
            var candidate = ModelTrainer.Fit(split.Train, candidateRecipe, backend, cancellationToken);
            var defaults = defaultsRecipe == candidateRecipe ? null : ModelTrainer.Fit(split.Train, defaultsRecipe, backend, cancellationToken);
            report = ChampionChallengerEvaluator.Evaluate(split, input.Search.GateBasis, candidate, input.Model.ModelVersion, defaults,
                champion, input.Search.Champion?.ModelVersion, settings.Evaluation.K);
        }
        var decision = PublishGate.Decide(report, settings.Gate, candidateIsChampion: input.Model.ModelVersion == input.Search.Champion?.ModelVersion);
        var evaluation = new ChampionChallengerEvaluation(report, decision);
        var metrics = report.ToMetrics().ToDictionary(m => m.Key, m => Math.Round(m.Value, 6), StringComparer.Ordinal);

        var reportPath = $"{input.SettingsPath[..input.SettingsPath.LastIndexOf('/')]}/{input.Service}/evaluation.json";
        await blobs.WriteAsync(reportPath, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(evaluation, RecommendationsJsonContext.Default.ChampionChallengerEvaluation),
            BlobWriteCondition.Overwrite, cancellationToken);

        // A split without test users measures nothing. The model in service republished on unchanged data keeps the
        // figures it was first published with (its archived manifest has them); any other model gets none.
        if (report.TestUsers == 0)
        {
            metrics = archived.Manifest is { } earlier && earlier.ModelVersion == input.Model.ModelVersion
                ? new Dictionary<string, double>(earlier.Metrics, StringComparer.Ordinal)
                : new Dictionary<string, double>(StringComparer.Ordinal);
        }
        var modelNdcg = report.TestUsers > 0 ? decision.ModelNdcg : metrics.GetValueOrDefault($"gate.candidate.ndcg@{settings.Evaluation.K}");
        var manifestStream = new MemoryStream();
        PublishedListJson.WriteManifest(manifestStream, manifest.WithMetrics(metrics));
        await blobs.WriteAsync(input.Model.ManifestPath, manifestStream.ToArray(), BlobWriteCondition.Overwrite, cancellationToken);

        return new EvaluationOutcome(decision.Publish, decision.Reason, decision.Split, modelNdcg, decision.PopularityNdcg,
            decision.InServiceNdcg, input.Search.InServiceVersion, reportPath, metrics, report.Defaults?.Metrics.Ndcg, report.Basis, report.TestUsers);
    }
}

/// <summary>One fan-out shard: user-to-items scoring or item neighbours, then the service's rules; the lists go to a JSON Lines blob.</summary>
public sealed class RecommendationScoreShardActivity(IBlobStore blobs, IDocumentStore documents) : TaskActivity<ShardRequest, ShardLists>
{
    public override async Task<ShardLists> RunAsync(TaskActivityContext context, ShardRequest input)
    {
        var cancellationToken = context.CancellationToken;
        var artifacts = new RecommendationArtifacts(blobs, documents);
        var settings = await artifacts.ReadServiceSettingsAsync(input.SettingsPath, input.Service, cancellationToken);
        var model = RecommendationModel.ReadFrom(new MemoryStream(await artifacts.ReadRequiredAsync(input.ModelPath, "model", cancellationToken)));
        var catalog = await artifacts.ReadCatalogAsync(input.CatalogPath, cancellationToken);
        var rules = ListRules.Create(settings.RulesConfig, model, catalog, $"{input.SettingsPath} (service {settings.Service})");
        var version = ListVersion.For(settings.RulesConfig, model);
        if (version != input.ListVersion)
        {
            throw new InvalidDataException($"{input.ModelPath}: the lists of this model and rules are version {version}, not {input.ListVersion}.");
        }

        var lists = input.Kind == ListKind.UserItems
            ? rules.ApplyToUsers(UserRecommender.Recommend(model, input.Shard, rules.CandidateDepth), version)
            : rules.ApplyToItems(ItemNeighbours.Compute(model, input.Shard, rules.CandidateDepth), version);
        var path = ShardPath(input.Service, version, input.Kind, input.Shard.Index);
        await artifacts.WriteListsAsync(path, lists, cancellationToken);
        return new ShardLists(input.Kind, input.Shard.Index, path, lists.Count);
    }

    public static string ShardPath(string service, string version, ListKind kind, int shard) =>
        string.Create(CultureInfo.InvariantCulture, $"{RecommendationPaths.Lists(service, version)}/{(kind == ListKind.UserItems ? "users" : "items")}-{shard:D4}.jsonl");
}

/// <summary>Publishes one shard's lists to the document store (upserts keyed by service and subject, so publishing again writes the same documents).</summary>
public sealed class RecommendationPublishShardActivity(IBlobStore blobs, IDocumentStore documents) : TaskActivity<PublishShardRequest, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, PublishShardRequest input)
    {
        var artifacts = new RecommendationArtifacts(blobs, documents);
        var lists = await artifacts.ReadListsAsync(input.Path, context.CancellationToken);
        foreach (var list in lists)
        {
            if (list.Service != input.Service || list.Version != input.ListVersion || list.Kind != input.Kind)
            {
                throw new InvalidDataException($"{input.Path}: list of '{list.SubjectId}' is {list.Service}/{list.Version}/{list.Kind}, expected {input.Service}/{input.ListVersion}/{input.Kind}.");
            }
        }
        // One write at a time per shard: shards already publish side by side, and SQLite serialises writers, so
        // more writers per shard only queue on its lock (64 of them ran past its busy timeout on 2 loaded cores).
        foreach (var list in lists) await artifacts.UpsertPublishedListAsync(list, context.CancellationToken);
        return lists.Count;
    }
}

/// <summary>
/// Puts the new lists in service: archives the model (and its manifest) the lists came from, writes the lists'
/// manifest and then the service's pointer document, which the next refresh reads as "what is in service".
/// </summary>
public sealed class RecommendationActivateActivity(IBlobStore blobs, IDocumentStore documents) : TaskActivity<ActivateRequest, PublicationSummary>
{
    public override async Task<PublicationSummary> RunAsync(TaskActivityContext context, ActivateRequest input)
    {
        var cancellationToken = context.CancellationToken;
        var artifacts = new RecommendationArtifacts(blobs, documents);
        var settings = await artifacts.ReadServiceSettingsAsync(input.SettingsPath, input.Service, cancellationToken);
        var lists = new List<PublishedList>();
        foreach (var path in input.UserShardPaths.Concat(input.ItemShardPaths)) lists.AddRange(await artifacts.ReadListsAsync(path, cancellationToken));
        var summary = PublicationSummary.Of(input.Service, input.Model.ListVersion, lists, settings.RulesConfig.MinimumLength);

        // The archive holds exactly what was published, so a later gate scores the model itself, not a retraining.
        var archive = RecommendationPaths.Archive(input.Service, input.Model.ModelVersion);
        var archivedModel = archive + "/" + input.Model.ModelPath[(input.Model.ModelPath.LastIndexOf('/') + 1)..];
        var archivedManifest = archive + "/manifest.json";
        var manifestBytes = await artifacts.ReadRequiredAsync(input.Model.ManifestPath, "model manifest", cancellationToken);
        await blobs.WriteAsync(archivedModel, await artifacts.ReadRequiredAsync(input.Model.ModelPath, "model", cancellationToken), BlobWriteCondition.Overwrite, cancellationToken);
        await blobs.WriteAsync(archivedManifest, manifestBytes, BlobWriteCondition.Overwrite, cancellationToken);
        var dataEnd = PublishedListJson.ReadManifest(new MemoryStream(manifestBytes)).DataEndUtc;

        var listsPath = RecommendationPaths.Lists(input.Service, input.Model.ListVersion);
        var pointer = new ServiceListsPointer(input.Service, input.Model.ListVersion, input.Model.ModelVersion, input.DataHash, listsPath,
            input.UserShardPaths, input.ItemShardPaths, input.PublishedAtUtc, input.RunId, input.ModelNdcg, summary, archivedModel, archivedManifest, dataEnd);
        await artifacts.WriteJsonAsync(listsPath + "/manifest.json", new ListsManifest(pointer, input.Model.ManifestPath, settings.RulesConfig, CodeVersion.Current), cancellationToken);
        await artifacts.WritePointerAsync(pointer, cancellationToken);
        return summary;
    }
}

/// <summary>The manifest stored beside published lists: what is in them and what made them.</summary>
public sealed record ListsManifest(ServiceListsPointer Lists, string ModelManifestPath, ServiceConfig Rules, string CodeVersion);

/// <summary>Writes the run's report (every service's outcome, figures and reasons) and sends it as a notification.</summary>
/// A notification that no sink takes does not fail the run: the report records it.
public sealed class RecommendationReportActivity(IBlobStore blobs, IDocumentStore documents, NotificationChannels notifications)
    : TaskActivity<ReportRequest, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, ReportRequest input)
    {
        var path = RecommendationPaths.Run(input.RunId) + "/report.json";

        var counts = string.Join(", ", Enum.GetValues<ServiceRefreshOutcome>()
            .Select(o => $"{input.Services.Count(s => s.Outcome == o)} {o.ToString().ToLowerInvariant()}"));
        var body = new StringBuilder();
        foreach (var service in input.Services)
        {
            if (service.Evaluation is { } evaluation)
            {
                Telemetry.WorkflowMetrics.RecordRecommendationNdcg(service.Service, evaluation.ModelNdcg, evaluation.PopularityNdcg, evaluation.InServiceNdcg);
            }
            body.Append(CultureInfo.InvariantCulture, $"{service.Service}: {service.Outcome.ToString().ToLowerInvariant()}");
            if (service.Evaluation is { TestUsers: 0 } empty) body.Append(CultureInfo.InvariantCulture, $" (no test users on {empty.Split})");
            else if (service.Evaluation is { } e)
            {
                body.Append(CultureInfo.InvariantCulture, $" (NDCG@10 {e.ModelNdcg:0.0000}, popularity {e.PopularityNdcg:0.0000}");
                if (e.DefaultsNdcg is { } d) body.Append(CultureInfo.InvariantCulture, $", configured parameters {d:0.0000}");
                if (e.InServiceNdcg is { } s) body.Append(CultureInfo.InvariantCulture, $", in service {s:0.0000}");
                body.Append(CultureInfo.InvariantCulture, $" on {e.Split}, {e.TestUsers} users)");
            }
            body.Append(CultureInfo.InvariantCulture, $". {service.Reason}\n");
            if (service.Search?.Note is { } note) body.Append(CultureInfo.InvariantCulture, $"  {note}\n");
            if (service.Search?.Summary is { } search)
            {
                body.Append(CultureInfo.InvariantCulture,
                    $"  search: {search.Trials.Count} of {search.Planned} trials{(search.StoppedBy is null ? "" : " (" + search.StoppedBy + ")")}, winner {search.Winner.Description} (validation NDCG@10 {search.Winner.Validation.Ndcg:0.0000} vs {search.Defaults.Validation.Ndcg:0.0000} for the configured parameters)\n");
            }
        }
        body.Append(CultureInfo.InvariantCulture, $"Report: {path}\n");
        var severity = input.Services.Any(s => s.Outcome == ServiceRefreshOutcome.Failed) ? NotificationSeverity.Error
            : input.Services.Any(s => s.Outcome == ServiceRefreshOutcome.Kept) ? NotificationSeverity.Warning
            : NotificationSeverity.Info;
        var subject = $"Recommendation refresh {input.RunId}: {counts}";
        var delivery = await notifications.SendAsync(new Notification(subject, body.ToString(), severity), context.CancellationToken);
        var outcome = NotificationOutcome.From(subject, delivery);
        await new RecommendationArtifacts(blobs, documents).WriteJsonAsync(path,
            new { input.RunId, input.StartedAtUtc, input.Services, Notification = outcome }, context.CancellationToken);
        return path;
    }
}
