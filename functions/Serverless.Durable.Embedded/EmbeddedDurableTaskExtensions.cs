using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Serverless.Durable.Embedded;

/// <summary>
/// Puts the embedded engine behind Durable Task's own hosting:
/// <code>
/// services.AddDurableTaskWorker(b => { b.AddTasks(r => ...); b.UseEmbedded(o => o.DatabasePath = "..."); });
/// services.AddDurableTaskClient(b => b.UseEmbedded());
/// </code>
/// One engine per service provider; the worker and the client share it.
/// </summary>
public static class EmbeddedDurableTaskExtensions
{
    /// <summary>
    /// A Durable Task worker and client on the embedded engine with the tasks <paramref name="register"/> adds:
    /// the same as <c>AddDurableTaskWorker(b => { b.AddTasks(register); b.UseEmbedded(configure); })</c> plus
    /// <c>AddDurableTaskClient(b => b.UseEmbedded())</c>.
    /// </summary>
    public static IServiceCollection AddEmbeddedDurableEngine(this IServiceCollection services, Action<DurableTaskRegistry> register,
        Action<EmbeddedEngineOptions>? configure = null)
    {
        services.AddDurableTaskWorker(builder =>
        {
            builder.AddTasks(register);
            builder.UseEmbedded(configure);
        });
        services.AddDurableTaskClient(builder => builder.UseEmbedded());
        return services;
    }

    public static IDurableTaskWorkerBuilder UseEmbedded(this IDurableTaskWorkerBuilder builder, Action<EmbeddedEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddEngine(builder.Services, builder.Name, configure);
        return builder.UseBuildTarget<EmbeddedDurableTaskWorker>();
    }

    public static IDurableTaskClientBuilder UseEmbedded(this IDurableTaskClientBuilder builder, Action<EmbeddedEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddEngine(builder.Services, builder.Name, configure);
        return builder.UseBuildTarget<EmbeddedDurableTaskClient>();
    }

    private static void AddEngine(IServiceCollection services, string name, Action<EmbeddedEngineOptions>? configure)
    {
        if (configure is not null) services.Configure(configure);
        services.TryAddSingleton(provider => new EmbeddedEngine(
            provider.GetRequiredService<IOptionsMonitor<DurableTaskRegistry>>().Get(name),
            provider.GetRequiredService<IOptions<EmbeddedEngineOptions>>().Value,
            provider,
            provider.GetService<ILoggerFactory>()));
    }
}
