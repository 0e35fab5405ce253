using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Serverless.Durable.Embedded;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds the embedded engine as a hosted service, with its <see cref="IOrchestrationClient"/>. The
    /// registry is built from <paramref name="register"/>; activities are created from the container.
    /// </summary>
    public static IServiceCollection AddEmbeddedDurableEngine(this IServiceCollection services,
        Action<DurableTaskRegistry> register, Action<EmbeddedEngineOptions>? configure = null)
    {
        var registry = new DurableTaskRegistry();
        register(registry);
        services.AddSingleton(registry);
        services.AddSingleton(provider =>
        {
            var options = new EmbeddedEngineOptions();
            configure?.Invoke(options);
            return new EmbeddedEngine(registry, options, provider, provider.GetService<ILoggerFactory>());
        });
        services.AddSingleton(provider => provider.GetRequiredService<EmbeddedEngine>().Client);
        services.AddHostedService<EngineHostedService>();
        return services;
    }

    private sealed class EngineHostedService(EmbeddedEngine engine) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => engine.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => engine.StopAsync(cancellationToken);
    }
}
