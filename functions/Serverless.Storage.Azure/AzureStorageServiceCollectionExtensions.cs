using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Storage.Configuration;

namespace Serverless.Storage.Azure;

public static class AzureStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the storage ports chosen by configuration (see <see cref="StorageSettingNames"/>),
    /// able to use the Azure adapters as well as the local ones.
    /// </summary>
    public static IServiceCollection AddServerlessAzureStorage(this IServiceCollection services, IConfiguration configuration, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<ICloudStorageProvider>(new AzureStorageProvider());
        return services.AddServerlessStorage(configuration, baseDirectory);
    }
}
