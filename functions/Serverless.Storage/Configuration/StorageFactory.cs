using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;
using Serverless.Storage.Documents;
using Serverless.Storage.Documents.Sqlite;
using Serverless.Storage.Notifications;

namespace Serverless.Storage.Configuration;

/// <summary>
/// Creates each port's adapter from <see cref="StorageSettings"/>: the local ones itself, the Azure
/// ones through an <see cref="ICloudStorageProvider"/> (Serverless.Storage.Azure's <c>AzureStorageProvider</c>).
/// </summary>
public sealed class StorageFactory(StorageSettings settings, ICloudStorageProvider? cloud = null, ILoggerFactory? loggerFactory = null)
{
    private readonly ILoggerFactory _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;

    public StorageSettings Settings { get; } = settings ?? throw new ArgumentNullException(nameof(settings));

    /// <summary>Reads the settings (see <see cref="StorageSettingNames"/>) and returns a factory for them.</summary>
    public static StorageFactory FromConfiguration(IConfiguration configuration, ICloudStorageProvider? cloud = null, ILoggerFactory? loggerFactory = null, string? baseDirectory = null) =>
        new(StorageSettings.FromConfiguration(configuration, baseDirectory), cloud, loggerFactory);

    public IBlobStore CreateBlobStore() => Settings.Blobs switch
    {
        FileBlobStoreLocation file => new FileSystemBlobStore(file.RootDirectory),
        AzureBlobStoreLocation azure => RequireCloud(StorageSettingNames.Blobs, azure).CreateBlobStore(azure),
        var other => throw new StorageConfigurationException(StorageSettingNames.Blobs, $"no adapter for {other}."),
    };

    public IDocumentStore CreateDocumentStore() => Settings.Documents switch
    {
        SqliteDocumentStoreLocation sqlite => new SqliteDocumentStore(sqlite.DatabasePath),
        CosmosDocumentStoreLocation cosmos => RequireCloud(StorageSettingNames.Documents, cosmos).CreateDocumentStore(cosmos),
        var other => throw new StorageConfigurationException(StorageSettingNames.Documents, $"no adapter for {other}."),
    };

    public INotificationSink CreateNotificationSink() => Settings.Notifications switch
    {
        JsonLinesNotificationSinkLocation file => new JsonLinesNotificationSink(file.FilePath, _loggerFactory.CreateLogger<JsonLinesNotificationSink>()),
        LogNotificationSinkLocation => new LogNotificationSink(_loggerFactory.CreateLogger<LogNotificationSink>()),
        var other => throw new StorageConfigurationException(StorageSettingNames.Notifications, $"no adapter for {other}."),
    };

    private ICloudStorageProvider RequireCloud(string setting, object location) =>
        cloud ?? throw new StorageConfigurationException(setting,
            $"selects {location}, but the Azure adapters are not loaded: reference Serverless.Storage.Azure and create the factory with its AzureStorageProvider (or AddServerlessAzureStorage).");
}
