using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Storage.Azure;
using Serverless.Storage.Azure.Blobs;
using Serverless.Storage.Azure.Documents;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;
using Serverless.Storage.Configuration;
using Serverless.Storage.Documents;
using Serverless.Storage.Documents.Sqlite;
using Serverless.Storage.Notifications;

namespace Serverless.Storage.Tests.Configuration;

public sealed class StorageFactoryTests
{
    private const string BaseDirectory = "/srv/app";
    private const string AzuriteConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";
    private const string CosmosEmulatorConnectionString =
        "AccountEndpoint=https://127.0.0.1:8081/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==;";

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();

    private static StorageFactory Factory(params (string Key, string Value)[] settings) =>
        StorageFactory.FromConfiguration(Configuration(settings), new AzureStorageProvider(), baseDirectory: BaseDirectory);

    [Fact]
    public void With_no_settings_every_port_is_local_under_the_base_directory()
    {
        var factory = StorageFactory.FromConfiguration(Configuration(), baseDirectory: BaseDirectory);

        var blobs = Assert.IsType<FileSystemBlobStore>(factory.CreateBlobStore());
        var documents = Assert.IsType<SqliteDocumentStore>(factory.CreateDocumentStore());
        var notifications = Assert.IsType<JsonLinesNotificationSink>(factory.CreateNotificationSink());

        Assert.Equal("/srv/app/.data/blobs", blobs.RootDirectory);
        Assert.Equal("/srv/app/.data/documents.db", documents.DatabasePath);
        Assert.Equal("/srv/app/.data/notifications.jsonl", notifications.FilePath);
    }

    [Theory]
    [InlineData("file:artifacts", "/srv/app/artifacts")]
    [InlineData("file:/var/lib/serverless/blobs", "/var/lib/serverless/blobs")]
    [InlineData("FILE:../shared", "/srv/shared")]
    public void A_file_setting_picks_the_file_system_store(string setting, string folder)
    {
        var store = Assert.IsType<FileSystemBlobStore>(Factory((StorageSettingNames.Blobs, setting)).CreateBlobStore());

        Assert.Equal(folder, store.RootDirectory);
    }

    [Theory]
    [InlineData("UseDevelopmentStorage=true")]
    [InlineData(AzuriteConnectionString)]
    [InlineData("https://contoso.blob.core.windows.net")]
    [InlineData("https://contoso.blob.core.windows.net/")]
    public void A_connection_string_or_account_uri_picks_Azure_Blob_Storage(string setting)
    {
        Assert.IsType<AzureBlobStore>(Factory((StorageSettingNames.Blobs, setting)).CreateBlobStore());
    }

    [Fact]
    public void An_account_uri_uses_a_managed_identity_with_the_configured_client_id()
    {
        var location = Assert.IsType<AzureBlobStoreLocation>(Factory(
            (StorageSettingNames.Blobs, "https://contoso.blob.core.windows.net"),
            (StorageSettingNames.BlobContainer, "artifacts"),
            (StorageSettingNames.ManagedIdentityClientId, "00000000-0000-0000-0000-000000000001")).Settings.Blobs);

        Assert.Null(location.ConnectionString);
        Assert.Equal(new Uri("https://contoso.blob.core.windows.net"), location.ServiceUri);
        Assert.Equal("artifacts", location.Container);
        Assert.Equal("00000000-0000-0000-0000-000000000001", location.ManagedIdentityClientId);
    }

    [Fact]
    public void A_sqlite_setting_picks_the_SQLite_store()
    {
        var store = Assert.IsType<SqliteDocumentStore>(Factory((StorageSettingNames.Documents, "sqlite:state/docs.db")).CreateDocumentStore());

        Assert.Equal("/srv/app/state/docs.db", store.DatabasePath);
    }

    [Fact]
    public void A_Cosmos_connection_string_picks_Cosmos_DB_in_emulator_mode_on_loopback()
    {
        var factory = Factory((StorageSettingNames.Documents, CosmosEmulatorConnectionString), (StorageSettingNames.CosmosDatabase, "db1"));

        using var store = Assert.IsType<CosmosDocumentStore>(factory.CreateDocumentStore());
        var location = Assert.IsType<CosmosDocumentStoreLocation>(factory.Settings.Documents);
        Assert.True(location.IsLoopback);
        Assert.Equal("db1", location.Database);
        Assert.Equal("documents", location.Container);
        Assert.NotNull(location.AccountKey);
    }

    [Fact]
    public void A_Cosmos_account_uri_picks_Cosmos_DB_with_a_managed_identity()
    {
        var factory = Factory((StorageSettingNames.Documents, "https://contoso.documents.azure.com:443/"));

        using var store = Assert.IsType<CosmosDocumentStore>(factory.CreateDocumentStore());
        var location = Assert.IsType<CosmosDocumentStoreLocation>(factory.Settings.Documents);
        Assert.Null(location.AccountKey);
        Assert.False(location.IsLoopback);
    }

    [Fact]
    public void The_log_setting_picks_the_log_only_notification_sink()
    {
        Assert.IsType<LogNotificationSink>(Factory((StorageSettingNames.Notifications, "log")).CreateNotificationSink());
    }

    [Theory]
    [InlineData(StorageSettingNames.Blobs, "nonsense")]
    [InlineData(StorageSettingNames.Blobs, "file:")]
    [InlineData(StorageSettingNames.Blobs, "ftp://contoso.blob.core.windows.net")]
    [InlineData(StorageSettingNames.Blobs, "http://contoso.blob.core.windows.net")]
    [InlineData(StorageSettingNames.Blobs, "https://contoso.documents.azure.com:443/")]
    [InlineData(StorageSettingNames.Blobs, CosmosEmulatorConnectionString)]
    [InlineData(StorageSettingNames.Blobs, "Foo=bar;AccountName=x")]
    [InlineData(StorageSettingNames.Blobs, "Password=secret")]
    [InlineData(StorageSettingNames.BlobContainer, "Bad_Container")]
    [InlineData(StorageSettingNames.Documents, "postgres://localhost/db")]
    [InlineData(StorageSettingNames.Documents, "sqlite:")]
    [InlineData(StorageSettingNames.Documents, "AccountEndpoint=https://127.0.0.1:8081/")]
    [InlineData(StorageSettingNames.Documents, "AccountEndpoint=not a uri;AccountKey=abc")]
    [InlineData(StorageSettingNames.Documents, "https://contoso.blob.core.windows.net")]
    [InlineData(StorageSettingNames.CosmosContainer, "a/b")]
    [InlineData(StorageSettingNames.Notifications, "smtp:ops@example.com")]
    public void A_bad_setting_is_an_error_naming_the_setting(string setting, string value)
    {
        // Azure settings whose companion is bad need the Azure form to be chosen first.
        var settings = new List<(string, string)> { (setting, value) };
        if (setting == StorageSettingNames.BlobContainer)
        {
            settings.Add((StorageSettingNames.Blobs, "UseDevelopmentStorage=true"));
        }
        if (setting == StorageSettingNames.CosmosContainer)
        {
            settings.Add((StorageSettingNames.Documents, CosmosEmulatorConnectionString));
        }

        var error = Assert.Throws<StorageConfigurationException>(() => Factory([.. settings]));

        Assert.Equal(setting, error.SettingName);
        Assert.StartsWith(setting + ":", error.Message);
    }

    [Fact]
    public void An_error_about_a_connection_string_never_shows_its_key()
    {
        var error = Assert.Throws<StorageConfigurationException>(() =>
            Factory((StorageSettingNames.Blobs, "AccountKey=c2VjcmV0;Bogus=1")));

        Assert.DoesNotContain("c2VjcmV0", error.Message);
    }

    [Fact]
    public void An_Azure_setting_without_the_Azure_adapters_loaded_is_an_error_naming_the_setting()
    {
        var factory = StorageFactory.FromConfiguration(Configuration((StorageSettingNames.Blobs, "UseDevelopmentStorage=true")), cloud: null, baseDirectory: BaseDirectory);

        var error = Assert.Throws<StorageConfigurationException>(() => factory.CreateBlobStore());

        Assert.Equal(StorageSettingNames.Blobs, error.SettingName);
        Assert.Contains("Serverless.Storage.Azure", error.Message);
    }

    [Fact]
    public void Settings_come_from_environment_style_keys_too()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Serverless:Storage:Documents"] = "sqlite:env.db" })
            .Build();

        var settings = StorageSettings.FromConfiguration(configuration, BaseDirectory);

        Assert.Equal(new SqliteDocumentStoreLocation("/srv/app/env.db"), settings.Documents);
    }

    [Fact]
    public void Dependency_injection_resolves_each_port_from_configuration()
    {
        var configuration = Configuration(
            (StorageSettingNames.Blobs, "UseDevelopmentStorage=true"),
            (StorageSettingNames.Documents, "sqlite:di.db"),
            (StorageSettingNames.Notifications, "log"));
        using var services = new ServiceCollection().AddLogging().AddServerlessAzureStorage(configuration, BaseDirectory).BuildServiceProvider();

        Assert.IsType<AzureBlobStore>(services.GetRequiredService<IBlobStore>());
        Assert.IsType<SqliteDocumentStore>(services.GetRequiredService<IDocumentStore>());
        Assert.IsType<LogNotificationSink>(services.GetRequiredService<INotificationSink>());
    }

    [Fact]
    public void Dependency_injection_without_Azure_serves_the_local_stack()
    {
        using var services = new ServiceCollection().AddServerlessStorage(Configuration(), BaseDirectory).BuildServiceProvider();

        Assert.IsType<FileSystemBlobStore>(services.GetRequiredService<IBlobStore>());
        Assert.IsType<SqliteDocumentStore>(services.GetRequiredService<IDocumentStore>());
        Assert.IsType<JsonLinesNotificationSink>(services.GetRequiredService<INotificationSink>());
    }
}
