using System.Text.Json.Serialization;

namespace Serverless.Storage.Notifications;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = false)]
[JsonSerializable(typeof(NotificationRecord))]
internal sealed partial class NotificationJsonContext : JsonSerializerContext;
