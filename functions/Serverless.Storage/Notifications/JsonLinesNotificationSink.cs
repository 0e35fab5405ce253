using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Serverless.Storage.Notifications;

/// <summary>
/// The local notification sink: appends each notification as one JSON line to a file and logs it.
/// Each line is appended while holding the file exclusively (FileShare.None is an advisory lock
/// on Unix), so lines from concurrent senders (threads or processes) never interleave.
/// </summary>
public sealed class JsonLinesNotificationSink(string filePath, ILogger<JsonLinesNotificationSink>? logger = null, TimeProvider? timeProvider = null)
    : INotificationSink
{
    private readonly string _filePath = Path.GetFullPath(filePath);
    private readonly ILogger _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>The JSON Lines file notifications are appended to.</summary>
    public string FilePath => _filePath;

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var record = new NotificationRecord(_time.GetUtcNow(), notification.Subject, notification.Body, notification.Severity, notification.Links, notification.EffectiveId);
        var line = JsonSerializer.SerializeToUtf8Bytes(record, NotificationJsonContext.Default.NotificationRecord);

        var folder = Path.GetDirectoryName(_filePath);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
        var bytes = new byte[line.Length + 1];
        line.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';
        await AppendExclusiveAsync(bytes, cancellationToken).ConfigureAwait(false);
        NotificationLog.Sent(_logger, notification);
    }

    private async Task AppendExclusiveAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(30);
        var delay = TimeSpan.FromMilliseconds(2);
        while (true)
        {
            FileStream file;
            try
            {
                file = new FileStream(_filePath, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
            }
            catch (IOException) when (_time.GetUtcNow() < deadline)
            {
                // Another sender holds the file: wait a moment and try again.
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 50));
                continue;
            }
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
            return;
        }
    }
}
