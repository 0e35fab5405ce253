using System.Text;
using System.Text.Json;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Publishing;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;

namespace Serverless.Workflows.Recommendations;

/// <summary>Reading and writing the refresh's artifacts: settings snapshots, data, lists and the pointer to the lists in service.</summary>
public sealed class RecommendationArtifacts(IBlobStore blobs, IDocumentStore documents)
{
    public IBlobStore Blobs => blobs;

    public IDocumentStore Documents => documents;

    /// <summary>The run's settings snapshot (written by the plan step).</summary>
    public async Task<ServiceSettings> ReadServiceSettingsAsync(string settingsPath, string service, CancellationToken cancellationToken)
    {
        var bytes = await blobs.ReadAllBytesAsync(settingsPath, cancellationToken).ConfigureAwait(false);
        return RecommendationSettings.Parse(Encoding.UTF8.GetString(bytes), settingsPath).Get(service);
    }

    public async Task<InteractionImportResult> ImportInteractionsAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await ReadRequiredAsync(path, "interaction file", cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return InteractionCsv.Import(reader, path);
    }

    /// <summary>The imported dataset of a step, checked against the hash the import step recorded.</summary>
    public async Task<InteractionDataset> ReadDatasetAsync(string path, string expectedHash, CancellationToken cancellationToken)
    {
        if (RecentDatasets.Find(expectedHash) is { } recent) return recent;
        var dataset = (await ImportInteractionsAsync(path, cancellationToken).ConfigureAwait(false)).Dataset;
        if (dataset.Hash != expectedHash)
        {
            throw new InvalidDataException($"{path}: the data hash is {dataset.Hash}, not the {expectedHash} the import step recorded.");
        }
        RecentDatasets.Add(dataset);
        return dataset;
    }

    /// <summary>A split stored by <see cref="WriteSplitAsync"/>, over this dataset.</summary>
    public async Task<DataSplit> ReadSplitAsync(string path, InteractionDataset data, CancellationToken cancellationToken)
    {
        var bytes = await ReadRequiredAsync(path, "gate split", cancellationToken).ConfigureAwait(false);
        return SplitMask.Read(new MemoryStream(bytes), data, path);
    }

    public Task WriteSplitAsync(string path, InteractionDataset data, DataSplit split, CancellationToken cancellationToken)
    {
        var stream = new MemoryStream();
        SplitMask.Write(stream, data, split);
        return blobs.WriteAsync(path, stream.GetBuffer().AsMemory(0, (int)stream.Length), BlobWriteCondition.Overwrite, cancellationToken);
    }

    /// <summary>
    /// The archived model in service and its manifest. A missing or unreadable file is an error naming it: the
    /// gate must not quietly compare with something else than what is in service.
    /// </summary>
    public async Task<(RecommendationModel Model, ModelManifest Manifest)> ReadChampionAsync(ChampionReference champion, CancellationToken cancellationToken)
    {
        var what = $"model in service (lists {champion.ListsVersion}, model {champion.ModelVersion})";
        ModelManifest manifest;
        try
        {
            manifest = PublishedListJson.ReadManifest(new MemoryStream(await ReadArchivedAsync(champion.ManifestPath, "manifest of the " + what, cancellationToken).ConfigureAwait(false)));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{champion.ManifestPath}: the manifest of the archived {what} cannot be read: {e.Message}");
        }

        var bytes = await ReadArchivedAsync(champion.ModelPath, "archived " + what, cancellationToken).ConfigureAwait(false);
        RecommendationModel model;
        try
        {
            model = RecommendationModel.ReadFrom(new MemoryStream(bytes));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or EndOfStreamException or OverflowException or OutOfMemoryException)
        {
            throw new InvalidDataException($"{champion.ModelPath}: the archived {what} cannot be read: {e.Message} The gate cannot compare with it; the lists in service stay.");
        }
        if (model.Version != champion.ModelVersion)
        {
            throw new InvalidDataException($"{champion.ModelPath}: the archived model is {model.Version}, not the {champion.ModelVersion} in service.");
        }
        return (model, manifest);
    }

    private async Task<byte[]> ReadArchivedAsync(string path, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await blobs.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            // No inner exception: the orchestrator reports the innermost message, and this one is the clear one.
            throw new InvalidDataException($"{path}: the {what} is missing from the blob store. The gate cannot compare with it; the lists in service stay.");
        }
    }

    public async Task<ItemCatalog> ReadCatalogAsync(string? path, CancellationToken cancellationToken)
    {
        if (path is null) return ItemCatalog.Empty;
        var bytes = await ReadRequiredAsync(path, "item catalogue", cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return ItemCatalog.Import(reader, path).Catalog;
    }

    public async Task<byte[]> ReadRequiredAsync(string path, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await blobs.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException e)
        {
            throw new InvalidDataException($"{path}: the {what} is missing from the blob store.", e);
        }
    }

    public Task WriteJsonAsync<T>(string path, T value, CancellationToken cancellationToken) =>
        blobs.WriteAsync(path, JsonSerializer.SerializeToUtf8Bytes(value, RecommendationSettings.Json), BlobWriteCondition.Overwrite, cancellationToken);

    public Task WriteListsAsync(string path, IEnumerable<PublishedList> lists, CancellationToken cancellationToken)
    {
        var stream = new MemoryStream();
        PublishedListJson.Write(stream, lists);
        return blobs.WriteAsync(path, stream.GetBuffer().AsMemory(0, (int)stream.Length), BlobWriteCondition.Overwrite, cancellationToken);
    }

    public async Task<IReadOnlyList<PublishedList>> ReadListsAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await ReadRequiredAsync(path, "list file", cancellationToken).ConfigureAwait(false);
        return PublishedListJson.Read(new MemoryStream(bytes), path);
    }

    /// <summary>What is in service for <paramref name="service"/>, or null when nothing was ever published.</summary>
    public async Task<ServiceListsPointer?> ReadPointerAsync(string service, CancellationToken cancellationToken)
    {
        var document = await documents.ReadAsync(RecommendationPaths.ServicesPartition, service, cancellationToken).ConfigureAwait(false);
        return document?.Body.Deserialize<ServiceListsPointer>(RecommendationSettings.Json);
    }

    public Task WritePointerAsync(ServiceListsPointer pointer, CancellationToken cancellationToken) =>
        documents.UpsertAsync(RecommendationPaths.ServicesPartition, pointer.Service,
            JsonSerializer.SerializeToElement(pointer, RecommendationSettings.Json), cancellationToken);

    /// <summary>The user-to-items lists in service (user id to ranked item ids), or null when there are none.</summary>
    public async Task<(ServiceListsPointer Pointer, IReadOnlyDictionary<string, IReadOnlyList<string>> Lists)?> ReadListsInServiceAsync(
        string service, CancellationToken cancellationToken)
    {
        var pointer = await ReadPointerAsync(service, cancellationToken).ConfigureAwait(false);
        if (pointer is null) return null;
        var lists = new List<PublishedList>();
        foreach (var path in pointer.UserShardPaths) lists.AddRange(await ReadListsAsync(path, cancellationToken).ConfigureAwait(false));
        return (pointer, PublishedListJson.ToServiceLists(lists));
    }

    /// <summary>A published list as the serving routes read it, or null.</summary>
    public async Task<PublishedList?> ReadPublishedListAsync(string service, ListKind kind, string subject, CancellationToken cancellationToken)
    {
        var partition = kind == ListKind.UserItems ? RecommendationPaths.UserPartition(service) : RecommendationPaths.ItemPartition(service);
        var document = await documents.ReadAsync(partition, subject, cancellationToken).ConfigureAwait(false);
        return document?.Body.Deserialize(RecommendationsJsonContext.Default.PublishedList);
    }

    public Task<string> UpsertPublishedListAsync(PublishedList list, CancellationToken cancellationToken)
    {
        var partition = list.Kind == ListKind.UserItems ? RecommendationPaths.UserPartition(list.Service) : RecommendationPaths.ItemPartition(list.Service);
        return documents.UpsertAsync(partition, list.SubjectId, JsonSerializer.SerializeToElement(list, RecommendationsJsonContext.Default.PublishedList), cancellationToken);
    }
}
