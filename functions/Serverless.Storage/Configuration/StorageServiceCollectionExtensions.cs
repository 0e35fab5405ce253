using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;
using Serverless.Storage.Notifications;

namespace Serverless.Storage.Configuration;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IBlobStore"/>, <see cref="IDocumentStore"/>, <see cref="INotificationSink"/> (the local record)
    /// and <see cref="NotificationChannels"/> (that record and the webhooks of <see cref="NotificationSettingNames.Webhooks"/>)
    /// as singletons chosen by configuration. Azure settings need an <see cref="ICloudStorageProvider"/>
    /// registered too (Serverless.Storage.Azure's AddServerlessAzureStorage does both).
    /// </summary>
    public static IServiceCollection AddServerlessStorage(this IServiceCollection services, IConfiguration configuration, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton(provider => StorageFactory.FromConfiguration(
            configuration, provider.GetService<ICloudStorageProvider>(), provider.GetService<ILoggerFactory>(), baseDirectory));
        services.AddSingleton(provider => provider.GetRequiredService<StorageFactory>().CreateBlobStore());
        services.AddSingleton(provider => provider.GetRequiredService<StorageFactory>().CreateDocumentStore());
        services.AddSingleton(provider => provider.GetRequiredService<StorageFactory>().CreateNotificationSink());
        // Read now, so a bad webhook setting stops the start-up with one error naming it, not the first notification.
        var notifications = NotificationSettings.FromConfiguration(configuration);
        services.AddSingleton(notifications);
        services.AddSingleton(provider => NotificationChannels.Create(provider.GetRequiredService<INotificationSink>(), notifications,
            provider.GetService<ILoggerFactory>(), provider.GetService<TimeProvider>()));
        return services;
    }
}
