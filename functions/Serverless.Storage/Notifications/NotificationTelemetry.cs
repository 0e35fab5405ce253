using System.Diagnostics;

namespace Serverless.Storage.Notifications;

/// <summary>The spans notification sinks record: one per delivery to a webhook, under the activity that sends it.</summary>
public static class NotificationTelemetry
{
    public const string SourceName = "Serverless.Notifications";

    internal static readonly ActivitySource Source = new(SourceName);
}
