using System.Text;
using System.Text.Json;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;
using Serverless.Storage.Documents;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// Experiment definitions in the document store. Definitions from configuration (the file named by
/// <c>Serverless:Experiments:DefinitionsPath</c>, else the built-in sample) are written there on first use; a
/// definition later PUT over HTTP replaces its configured one and is then left alone by configuration.
/// </summary>
public sealed class ExperimentDefinitionStore
{
    public const string ConfigurationSourcePrefix = "configuration: ";

    private readonly IDocumentStore _documents;
    private readonly ExperimentsSettings _settings;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _seedGate = new(1, 1);
    private volatile bool _seeded;
    private int _version;
    private (ExperimentCatalog Catalog, DateTimeOffset ReadAt, int Version)? _cachedCatalog;

    /// <summary>Changes whenever this process stores a definition, so caches of the catalog know to read again.</summary>
    public int Version => Volatile.Read(ref _version);

    public ExperimentDefinitionStore(IDocumentStore documents, ExperimentsSettings settings, TimeProvider time)
    {
        _documents = documents;
        _settings = settings;
        _time = time;
    }

    /// <summary>Every stored definition, ordered by id.</summary>
    public async Task<IReadOnlyList<(ExperimentDefinition Definition, StoredExperimentDefinition Stored)>> ListAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSeededAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<(ExperimentDefinition, StoredExperimentDefinition)>();
        await foreach (var document in _documents.QueryAsync(ExperimentKeys.DefinitionsPartition, ExperimentDocumentsJsonContext.Default.StoredExperimentDefinition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add((Load(document.Value), document.Value));
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Item1.Id, b.Item1.Id));
        return result;
    }

    /// <summary>The catalog a batch is validated against: every stored experiment.</summary>
    public async Task<ExperimentCatalog> GetCatalogAsync(CancellationToken cancellationToken = default) =>
        new((await ListAsync(cancellationToken).ConfigureAwait(false)).Select(d => d.Definition));

    /// <summary>
    /// The catalog as read at most <paramref name="maxAge"/> ago (for the ingestion path, which runs per request): a
    /// definition stored by this process shows at once, one stored by another process within <paramref name="maxAge"/>.
    /// </summary>
    public async Task<ExperimentCatalog> GetCachedCatalogAsync(TimeSpan maxAge, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var version = Version;
        if (_cachedCatalog is { } cached && now - cached.ReadAt < maxAge && cached.Version == version) return cached.Catalog;
        var catalog = await GetCatalogAsync(cancellationToken).ConfigureAwait(false);
        _cachedCatalog = (catalog, now, version);
        return catalog;
    }

    /// <summary>One definition, or null when there is none with that id.</summary>
    public async Task<(ExperimentDefinition Definition, StoredExperimentDefinition Stored)?> GetAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        await EnsureSeededAsync(cancellationToken).ConfigureAwait(false);
        if (!ExperimentKeys.IsValidExperimentId(experimentId)) return null;
        var document = await _documents.ReadAsync(ExperimentKeys.DefinitionsPartition, experimentId, ExperimentDocumentsJsonContext.Default.StoredExperimentDefinition, cancellationToken).ConfigureAwait(false);
        return document is null ? null : (Load(document.Value), document.Value);
    }

    /// <summary>
    /// Creates or replaces a definition from an HTTP body. The body's <c>id</c> may be left out; when present it must
    /// equal <paramref name="experimentId"/>. Throws <see cref="ExperimentDefinitionException"/> naming every problem.
    /// </summary>
    /// <returns>The definition and whether it was new.</returns>
    public async Task<(ExperimentDefinition Definition, bool Created)> PutAsync(string experimentId, ReadOnlyMemory<byte> utf8Json, string sourceName, CancellationToken cancellationToken = default)
    {
        await EnsureSeededAsync(cancellationToken).ConfigureAwait(false);
        if (!ExperimentKeys.IsValidExperimentId(experimentId))
        {
            throw new ExperimentDefinitionException([new DefinitionError(sourceName, null, "id", experimentId, $"experiment id '{experimentId}' is invalid: {ExperimentKeys.ExperimentIdRule}")]);
        }
        var body = WithId(utf8Json, experimentId);
        var definition = ExperimentDefinitionLoader.LoadOne(body, sourceName);
        if (!string.Equals(definition.Id, experimentId, StringComparison.Ordinal))
        {
            throw new ExperimentDefinitionException([new DefinitionError(sourceName, null, "$.id", definition.Id, $"the body's id '{definition.Id}' does not match the id in the path '{experimentId}'")]);
        }
        var stored = new StoredExperimentDefinition(definition.Id, StoredExperimentDefinition.HttpSource, _time.GetUtcNow(), DefinitionJson.ToJson(definition));
        var existing = await _documents.ReadAsync(ExperimentKeys.DefinitionsPartition, definition.Id, cancellationToken).ConfigureAwait(false);
        await _documents.UpsertAsync(ExperimentKeys.DefinitionsPartition, definition.Id, stored, ExperimentDocumentsJsonContext.Default.StoredExperimentDefinition, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _version);
        return (definition, existing is null);
    }

    /// <summary>The configured definitions (file or sample), validated; throws naming the file, line and field on any problem.</summary>
    public IReadOnlyList<ExperimentDefinition> LoadConfigured()
    {
        var definitions = _settings.DefinitionsPath is { } path
            ? LoadConfiguredFile(path)
            : ExperimentDefinitionLoader.Load(SampleExperiments.Json, SampleExperiments.SourceName);
        var bad = definitions.FirstOrDefault(d => !ExperimentKeys.IsValidExperimentId(d.Id));
        if (bad is not null)
        {
            throw new ExperimentDefinitionException([new DefinitionError(ConfiguredSourceName, null, "id", bad.Id, $"experiment id '{bad.Id}' is invalid: {ExperimentKeys.ExperimentIdRule}")]);
        }
        return definitions;
    }

    private string ConfiguredSourceName => _settings.DefinitionsPath is { } path ? Path.GetFileName(path) : SampleExperiments.SourceName;

    private static IReadOnlyList<ExperimentDefinition> LoadConfiguredFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Experiment definitions file '{path}' (Serverless:Experiments:DefinitionsPath) does not exist.", path);
        }
        return ExperimentDefinitionLoader.LoadFile(path);
    }

    private async Task EnsureSeededAsync(CancellationToken cancellationToken)
    {
        if (_seeded) return;
        await _seedGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_seeded) return;
            var source = ConfigurationSourcePrefix + ConfiguredSourceName;
            foreach (var definition in LoadConfigured())
            {
                var json = DefinitionJson.ToJson(definition);
                var existing = await _documents.ReadAsync(ExperimentKeys.DefinitionsPartition, definition.Id, ExperimentDocumentsJsonContext.Default.StoredExperimentDefinition, cancellationToken).ConfigureAwait(false);
                var stored = new StoredExperimentDefinition(definition.Id, source, _time.GetUtcNow(), json);
                try
                {
                    if (existing is null)
                    {
                        await _documents.CreateAsync(ExperimentKeys.DefinitionsPartition, definition.Id, stored, ExperimentDocumentsJsonContext.Default.StoredExperimentDefinition, cancellationToken).ConfigureAwait(false);
                    }
                    else if (existing.Value.FromConfiguration && !SameJson(existing.Value.Definition, json))
                    {
                        // The configuration changed: it wins over the configuration it replaces, never over an HTTP definition.
                        await _documents.ReplaceAsync(ExperimentKeys.DefinitionsPartition, definition.Id, stored, existing.ETag, ExperimentDocumentsJsonContext.Default.StoredExperimentDefinition, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (DocumentConflictException)
                {
                    // Another process seeded or edited it at the same moment; what it wrote stands.
                }
            }
            _seeded = true;
        }
        finally
        {
            _seedGate.Release();
        }
    }

    private static ExperimentDefinition Load(StoredExperimentDefinition stored) =>
        ExperimentDefinitionLoader.LoadOne(Encoding.UTF8.GetBytes(stored.Definition.GetRawText()), $"stored definition '{stored.Id}' ({stored.Source})");

    private static bool SameJson(JsonElement a, JsonElement b) => a.GetRawText() == b.GetRawText();

    /// <summary>
    /// Adds <c>"id"</c> to a JSON object body that has none, so a PUT body may leave it to the path. The id goes right
    /// after the opening brace, on the same line, so the loader's line numbers still point into the body as sent.
    /// </summary>
    private static byte[] WithId(ReadOnlyMemory<byte> utf8Json, string experimentId)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object || document.RootElement.TryGetProperty("id", out _)) return utf8Json.ToArray();
        }
        catch (JsonException)
        {
            return utf8Json.ToArray(); // The loader reports the malformed JSON with its line.
        }
        var bytes = utf8Json.Span;
        var brace = bytes.IndexOf((byte)'{');
        var insert = Encoding.UTF8.GetBytes($"\"id\":{JsonSerializer.Serialize(experimentId, ExperimentDocumentsJsonContext.Default.String)},");
        var result = new byte[bytes.Length + insert.Length];
        bytes[..(brace + 1)].CopyTo(result);
        insert.CopyTo(result.AsSpan(brace + 1));
        bytes[(brace + 1)..].CopyTo(result.AsSpan(brace + 1 + insert.Length));
        return result;
    }
}
