using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Training.AzureMl;
using Serverless.Training.Local;

namespace Serverless.Training.Configuration;

/// <summary>What the configured mode gives the workflow: a job service, or none for in-process training.</summary>
public sealed class TrainingBackend : IAsyncDisposable
{
    public TrainingBackend(TrainingMode mode, ITrainingJobService? service)
    {
        Mode = mode;
        Service = service;
    }

    public TrainingMode Mode { get; }

    /// <summary>The job service; null in <see cref="TrainingMode.InProcess"/>, where the workflow runs the trainer itself.</summary>
    public ITrainingJobService? Service { get; }

    public async ValueTask DisposeAsync()
    {
        if (Service is IAsyncDisposable disposable) await disposable.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Builds the training backend that <c>Serverless:Training:Mode</c> selects.</summary>
public static class TrainingJobServiceFactory
{
    public static TrainingBackend Create(IConfiguration configuration, ILoggerFactory? loggerFactory = null) =>
        Create(TrainingSettings.FromConfiguration(configuration), credential: null, clientOptions: null, loggerFactory);

    /// <param name="settings">The selected mode and its settings.</param>
    /// <param name="credential">For Azure ML; null uses <see cref="DefaultAzureCredential"/> (with the configured managed identity).</param>
    /// <param name="clientOptions">For Azure ML: transport and retry settings.</param>
    /// <param name="loggerFactory">Optional logging.</param>
    public static TrainingBackend Create(TrainingSettings settings, TokenCredential? credential = null,
        AzureMlClientOptions? clientOptions = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        return settings.Mode switch
        {
            TrainingMode.InProcess => new TrainingBackend(TrainingMode.InProcess, null),
            TrainingMode.Local => new TrainingBackend(TrainingMode.Local, new LocalTrainingJobService(
                settings.Local ?? throw new ArgumentException("Local mode needs the local runner's settings.", nameof(settings)),
                loggers.CreateLogger<LocalTrainingJobService>())),
            TrainingMode.AzureMl => new TrainingBackend(TrainingMode.AzureMl, CreateAzureMl(
                settings.AzureMl ?? throw new ArgumentException("AzureMl mode needs the workspace settings.", nameof(settings)),
                credential, clientOptions, loggers)),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Mode, "Unknown training mode."),
        };
    }

    private static AzureMlTrainingJobService CreateAzureMl(AzureMlTrainingOptions options, TokenCredential? credential,
        AzureMlClientOptions? clientOptions, ILoggerFactory loggers)
    {
        credential ??= new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
        return new AzureMlTrainingJobService(options, credential, clientOptions, loggers.CreateLogger<AzureMlTrainingJobService>());
    }
}
