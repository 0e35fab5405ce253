using Microsoft.Extensions.Configuration;

namespace Serverless.Storage.Configuration;

/// <summary>
/// The storage settings read and checked: which adapter each port uses and where. A bad setting is a
/// <see cref="StorageConfigurationException"/> naming it (connection strings are never echoed, they hold keys).
/// </summary>
public sealed record StorageSettings(BlobStoreLocation Blobs, DocumentStoreLocation Documents, NotificationSinkLocation Notifications)
{
    public const string DefaultBlobs = "file:.data/blobs";
    public const string DefaultBlobContainer = "serverless";
    public const string DefaultDocuments = "sqlite:.data/documents.db";
    public const string DefaultCosmosDatabase = "serverless";
    public const string DefaultCosmosContainer = "documents";
    public const string DefaultNotifications = "file:.data/notifications.jsonl";

    /// <summary>Reads the settings named in <see cref="StorageSettingNames"/>; relative paths are taken from <paramref name="baseDirectory"/> (default: the current directory).</summary>
    public static StorageSettings FromConfiguration(IConfiguration configuration, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var root = baseDirectory ?? Directory.GetCurrentDirectory();
        var clientId = Optional(configuration, StorageSettingNames.ManagedIdentityClientId);
        return new StorageSettings(
            ParseBlobs(Value(configuration, StorageSettingNames.Blobs, DefaultBlobs), Value(configuration, StorageSettingNames.BlobContainer, DefaultBlobContainer), clientId, root),
            ParseDocuments(
                Value(configuration, StorageSettingNames.Documents, DefaultDocuments),
                Value(configuration, StorageSettingNames.CosmosDatabase, DefaultCosmosDatabase),
                Value(configuration, StorageSettingNames.CosmosContainer, DefaultCosmosContainer),
                clientId,
                root),
            ParseNotifications(Value(configuration, StorageSettingNames.Notifications, DefaultNotifications), root));
    }

    internal static BlobStoreLocation ParseBlobs(string value, string container, string? managedIdentityClientId, string baseDirectory)
    {
        const string setting = StorageSettingNames.Blobs;
        if (TryFilePath(value, "file:", setting, baseDirectory, out var folder))
        {
            return new FileBlobStoreLocation(folder);
        }
        ValidateBlobContainer(container);
        if (IsConnectionString(value))
        {
            var keys = ConnectionStringKeys(value, setting);
            string[] known = ["UseDevelopmentStorage", "DefaultEndpointsProtocol", "AccountName", "AccountKey", "BlobEndpoint", "EndpointSuffix", "SharedAccessSignature", "DevelopmentStorageProxyUri", "QueueEndpoint", "TableEndpoint", "FileEndpoint"];
            if (keys.Contains("AccountEndpoint"))
            {
                throw new StorageConfigurationException(setting, "holds a Cosmos DB connection string (AccountEndpoint=...); it belongs in " + StorageSettingNames.Documents + ".");
            }
            if (!keys.Contains("UseDevelopmentStorage") && !keys.Contains("BlobEndpoint") && !keys.Contains("AccountName"))
            {
                throw new StorageConfigurationException(setting, "is a connection string without UseDevelopmentStorage, BlobEndpoint or AccountName, so it names no Blob service.");
            }
            var unknown = keys.Where(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
            {
                throw new StorageConfigurationException(setting, $"is a connection string with unknown keys: {string.Join(", ", unknown)}.");
            }
            return new AzureBlobStoreLocation(container, value, null, null);
        }
        if (TryHttpsUri(value, setting, out var uri))
        {
            if (uri.Host.Contains(".documents.", StringComparison.OrdinalIgnoreCase))
            {
                throw new StorageConfigurationException(setting, $"'{value}' is a Cosmos DB endpoint; it belongs in {StorageSettingNames.Documents}.");
            }
            return new AzureBlobStoreLocation(container, null, uri, managedIdentityClientId);
        }
        throw new StorageConfigurationException(setting,
            $"{Describe(value)} is not a storage location. Use file:<folder> (e.g. {DefaultBlobs}), an Azure Storage connection string (e.g. UseDevelopmentStorage=true) or https://<account>.blob.core.windows.net.");
    }

    internal static DocumentStoreLocation ParseDocuments(string value, string database, string container, string? managedIdentityClientId, string baseDirectory)
    {
        const string setting = StorageSettingNames.Documents;
        if (TryFilePath(value, "sqlite:", setting, baseDirectory, out var file))
        {
            return new SqliteDocumentStoreLocation(file);
        }
        ValidateCosmosName(database, StorageSettingNames.CosmosDatabase);
        ValidateCosmosName(container, StorageSettingNames.CosmosContainer);
        if (IsConnectionString(value))
        {
            var pairs = ConnectionStringPairs(value, setting);
            if (!pairs.TryGetValue("AccountEndpoint", out var endpointText) || !pairs.TryGetValue("AccountKey", out var key) || key.Length == 0)
            {
                throw new StorageConfigurationException(setting, "is a connection string but not a Cosmos DB one: it needs AccountEndpoint=https://...;AccountKey=....");
            }
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme != Uri.UriSchemeHttps)
            {
                throw new StorageConfigurationException(setting, $"AccountEndpoint '{endpointText}' is not an https:// URI.");
            }
            return new CosmosDocumentStoreLocation(database, container, endpoint, key, null);
        }
        if (TryHttpsUri(value, setting, out var uri))
        {
            if (uri.Host.Contains(".blob.", StringComparison.OrdinalIgnoreCase))
            {
                throw new StorageConfigurationException(setting, $"'{value}' is a Blob Storage endpoint; it belongs in {StorageSettingNames.Blobs}.");
            }
            return new CosmosDocumentStoreLocation(database, container, uri, null, managedIdentityClientId);
        }
        throw new StorageConfigurationException(setting,
            $"{Describe(value)} is not a document store. Use sqlite:<file> (e.g. {DefaultDocuments}), a Cosmos DB connection string (AccountEndpoint=...;AccountKey=...) or https://<account>.documents.azure.com:443/.");
    }

    internal static NotificationSinkLocation ParseNotifications(string value, string baseDirectory)
    {
        const string setting = StorageSettingNames.Notifications;
        if (TryFilePath(value, "file:", setting, baseDirectory, out var file))
        {
            return new JsonLinesNotificationSinkLocation(file);
        }
        if (string.Equals(value, "log", StringComparison.OrdinalIgnoreCase))
        {
            return new LogNotificationSinkLocation();
        }
        throw new StorageConfigurationException(setting, $"{Describe(value)} is not a notification sink. Use file:<file.jsonl> (e.g. {DefaultNotifications}) or log.");
    }

    private static bool TryFilePath(string value, string scheme, string setting, string baseDirectory, out string path)
    {
        path = "";
        if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var relative = value[scheme.Length..].Trim();
        if (relative.Length == 0)
        {
            throw new StorageConfigurationException(setting, $"'{value}' names no path after '{scheme}'.");
        }
        if (relative.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            throw new StorageConfigurationException(setting, $"'{value}' contains characters that are not valid in a path.");
        }
        path = Path.GetFullPath(relative, baseDirectory);
        return true;
    }

    private static bool TryHttpsUri(string value, string setting, out Uri uri)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out uri!) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return false;
        }
        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new StorageConfigurationException(setting, $"'{value}' uses http; managed identity needs https (use a connection string for an emulator).");
        }
        return true;
    }

    private static bool IsConnectionString(string value) =>
        value.Contains(';') || (value.Contains('=') && !value.Contains("://", StringComparison.Ordinal));

    private static Dictionary<string, string> ConnectionStringPairs(string value, string setting)
    {
        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                throw new StorageConfigurationException(setting, "is a malformed connection string: every part must be key=value, separated by ';'.");
            }
            pairs[part[..equals].Trim()] = part[(equals + 1)..].Trim();
        }
        return pairs;
    }

    private static HashSet<string> ConnectionStringKeys(string value, string setting) =>
        new(ConnectionStringPairs(value, setting).Keys, StringComparer.OrdinalIgnoreCase);

    private static void ValidateBlobContainer(string container)
    {
        // Azure's rules: 3-63 characters, lowercase letters, digits and single hyphens, starting and ending with a letter or digit.
        var valid = container.Length is >= 3 and <= 63
                    && container.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
                    && container[0] != '-' && container[^1] != '-'
                    && !container.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            throw new StorageConfigurationException(StorageSettingNames.BlobContainer,
                $"'{container}' is not a valid container name (3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit).");
        }
    }

    private static void ValidateCosmosName(string name, string setting)
    {
        if (name.Length is 0 or > 255 || name.IndexOfAny(['/', '\\', '?', '#']) >= 0 || name.EndsWith(' '))
        {
            throw new StorageConfigurationException(setting, $"'{name}' is not a valid Cosmos DB name (1-255 characters without '/', '\\', '?', '#').");
        }
    }

    private static string Value(IConfiguration configuration, string key, string defaultValue)
    {
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? defaultValue : value.Trim();
    }

    private static string? Optional(IConfiguration configuration, string key)
    {
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    // Connection strings hold keys: name the kind of value, never the value.
    private static string Describe(string value) => value.Contains('=') ? "The value (not shown: it looks like a connection string)" : $"'{value}'";
}
