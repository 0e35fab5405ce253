using Azure.Core;
using Serverless.Training.Contract;

namespace Serverless.Training.AzureMl;

/// <summary>
/// Transport and retry settings for the Azure ML client. <see cref="ClientOptions.Retry"/> gives the
/// retry count and the back-off (<c>MaxRetries</c>, <c>Delay</c>, <c>MaxDelay</c>); a server's
/// <c>Retry-After</c> takes precedence over the back-off.
/// </summary>
public sealed class AzureMlClientOptions : ClientOptions
{
    public AzureMlClientOptions()
    {
        Retry.MaxRetries = 5;
        Retry.Delay = TimeSpan.FromSeconds(1);
        Retry.MaxDelay = TimeSpan.FromSeconds(30);
    }

    /// <summary>The most time one call may spend waiting between retries; beyond it the last answer stands.</summary>
    public TimeSpan MaxTotalRetryDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How the client waits before a retry. Tests replace it to observe the waits.</summary>
    public Func<TimeSpan, CancellationToken, Task> RetryDelay { get; set; } = Task.Delay;

    /// <summary>The clock that turns an HTTP-date <c>Retry-After</c> into a wait.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>
    /// Reads the metrics file of a completed job. Without one, the client reads it itself with an
    /// <see cref="AzureMlArtifactReader"/> on the same credential and transport.
    /// </summary>
    public ITrainingArtifactReader? ArtifactReader { get; set; }
}
