namespace Serverless.Storage.Notifications;

/// <summary>Where workflows send what a person should know: a forecast awaiting approval, a failed job, a report.</summary>
public interface INotificationSink
{
    Task SendAsync(Notification notification, CancellationToken cancellationToken = default);
}
