namespace Serverless.Storage.Configuration;

/// <summary>A storage setting is missing, malformed or cannot be served; the message names the setting.</summary>
public sealed class StorageConfigurationException(string settingName, string message, Exception? innerException = null)
    : Exception($"{settingName}: {message}", innerException)
{
    /// <summary>The configuration key at fault, e.g. <c>Serverless:Storage:Blobs</c>.</summary>
    public string SettingName { get; } = settingName;
}
