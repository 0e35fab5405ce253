namespace Serverless.Training.Validation;

/// <summary>The storage URI forms a job's inputs and outputs may use.</summary>
public static class TrainingUri
{
    /// <summary>Azure ML data references: <c>azureml://datastores/...</c>, <c>azureml:name:version</c>.</summary>
    public const string AzureMlScheme = "azureml";

    /// <summary>Blob storage, for example <c>https://account.blob.core.windows.net/container/path</c>.</summary>
    public const string HttpsScheme = "https";

    /// <summary>This machine: <c>file:relative/to/root</c> or <c>file:///absolute/path</c>.</summary>
    public const string FileScheme = "file";

    public static IReadOnlyList<string> SupportedSchemes { get; } = [AzureMlScheme, HttpsScheme, FileScheme];

    /// <summary>The scheme before the first colon, lower-cased; null when there is none.</summary>
    public static string? SchemeOf(string uri)
    {
        var colon = uri.IndexOf(':');
        if (colon <= 0) return null;
        var scheme = uri[..colon];
        return scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? scheme.ToLowerInvariant() : null;
    }

    public static bool IsFile(string uri) => SchemeOf(uri) == FileScheme;
}
