using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Durable.Embedded;
using Serverless.Hosting.Api;
using Serverless.Hosting.Api.Schedules;
using Serverless.Hosting.Composition;
using Serverless.Hosting.Schedules;
using Serverless.Hosting.Security;

namespace Serverless.Hosting.LocalHost;

/// <summary>How to build a local host; unset values come from configuration (<c>Serverless:Host:*</c>).</summary>
public sealed class LocalHostOptions
{
    /// <summary>The port on 127.0.0.1; 0 takes a free one. Default: <c>Serverless:Host:Port</c>, else 7071.</summary>
    public int? Port { get; set; }

    /// <summary>The engine database. Default: <c>Serverless:Engine:DatabasePath</c>, else <c>.data/engine.db</c>.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>The folder that relative paths in configuration and appsettings.json are taken from.</summary>
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>Command-line arguments for configuration (<c>--Serverless:Host:Port=8080</c>).</summary>
    public string[] Args { get; set; } = [];

    /// <summary>Settings that override every other source (tests use them).</summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The clock of the schedules and the workflows' services (not the engine's, which has its own option).</summary>
    public TimeProvider? TimeProvider { get; set; }

    public Action<EmbeddedEngineOptions>? ConfigureEngine { get; set; }

    public Action<IServiceCollection>? ConfigureServices { get; set; }

    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>Where a newly generated key is printed (once). Default: standard output.</summary>
    public TextWriter? KeyOutput { get; set; }

    /// <summary>False to run no timer triggers (tests of other parts).</summary>
    public bool EnableSchedules { get; set; } = true;
}

/// <summary>
/// <c>serverless host</c>: one process that serves what the Function App serves in Azure, on the embedded
/// engine: the <c>/api</c> routes behind function keys, the timer schedules, <c>/healthz</c> and the pages.
/// It listens on 127.0.0.1 only.
/// </summary>
public sealed class ServerlessLocalHost : IAsyncDisposable
{
    public const string PortSetting = "Serverless:Host:Port";
    public const string LogFormatSetting = "Serverless:Host:LogFormat";
    public const int DefaultPort = 7071;

    private ServerlessLocalHost(WebApplication app, string databasePath, FunctionKeysLoad keys)
    {
        App = app;
        DatabasePath = databasePath;
        Keys = keys.Keys;
        GeneratedKey = keys.GeneratedKey;
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>The engine database this host runs on.</summary>
    public string DatabasePath { get; }

    public FunctionKeys Keys { get; }

    /// <summary>The key generated at this start (the keys file did not exist), or null.</summary>
    public string? GeneratedKey { get; }

    /// <summary>The address the host listens on, once started.</summary>
    public Uri BaseAddress
    {
        get
        {
            var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("The host is not listening yet; start it first.");
            return new Uri(address.EndsWith('/') ? address : address + "/");
        }
    }

    public static ServerlessLocalHost Create(LocalHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var baseDirectory = Path.GetFullPath(options.BaseDirectory);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = options.Args,
            ContentRootPath = baseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        if (options.Settings.Count > 0) builder.Configuration.AddInMemoryCollection(options.Settings);
        var configuration = builder.Configuration;

        ConfigureLogging(builder, configuration, options);

        var databasePath = Path.GetFullPath(Path.Combine(baseDirectory,
            options.DatabasePath ?? NonEmpty(configuration["Serverless:Engine:DatabasePath"]) ?? Path.Combine(".data", "engine.db")));
        var inMemory = bool.TryParse(configuration["Serverless:Engine:InMemory"], out var memory) && memory;

        var keysFile = NonEmpty(configuration[FunctionKeys.KeysFileSetting]) is { } configuredFile
            ? Path.GetFullPath(Path.Combine(baseDirectory, configuredFile))
            : Path.Combine(Path.GetDirectoryName(databasePath)!, FunctionKeyStore.DefaultFileName);
        var keys = FunctionKeyStore.Load(configuration, keysFile);

        var port = options.Port ?? (int.TryParse(configuration[PortSetting], out var configuredPort) ? configuredPort : DefaultPort);
        if (port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), port, $"{PortSetting}: a port is from 0 to 65535.");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));

        var services = builder.Services;
        if (options.TimeProvider is not null) services.AddSingleton(options.TimeProvider);
        services.AddSingleton(keys.Keys);
        services.AddServerlessRuntime(configuration, baseDirectory, engine =>
        {
            engine.DatabasePath = databasePath;
            options.ConfigureEngine?.Invoke(engine);
        });
        if (options.EnableSchedules)
        {
            services.AddServerlessSchedules(configuration, _ => inMemory
                ? new InMemoryScheduleStateStore()
                : new SqliteScheduleStateStore(SqliteScheduleStateStore.PathBeside(databasePath)));
        }
        services.TryAddSingleton(TimeProvider.System);
        options.ConfigureServices?.Invoke(services);

        var app = builder.Build();
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseMiddleware<FunctionKeyMiddleware>();
        var pages = new PhysicalFileProvider(builder.Environment.WebRootPath);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = pages });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = pages,
            // Pages are small; always revalidate so a new version shows at once.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapGet("/healthz", (HttpContext context) =>
        {
            var engine = context.RequestServices.GetRequiredService<EmbeddedEngine>();
            return engine.IsRunning
                ? ApiResults.Json(new HealthResponse("ok", engine.WorkerId))
                : ApiResults.Json(new HealthResponse("engine stopped", engine.WorkerId), StatusCodes.Status503ServiceUnavailable);
        });
        app.MapServerlessApi().MapSchedulesRoutes();

        var host = new ServerlessLocalHost(app, databasePath, keys);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ServerlessLocalHost>();
        if (keys.GeneratedKey is not null)
        {
            var output = options.KeyOutput ?? Console.Out;
            output.WriteLine($"Generated a function key (kept in {keys.Keys.Source}, readable only by you); it is shown only this once:");
            output.WriteLine($"  {keys.GeneratedKey}");
            output.Flush();
        }
        logger.LogInformation("Function keys: {Count} from {Source}", keys.Keys.Count, keys.Keys.Source);
        return host;
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => App.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => App.StopAsync(cancellationToken);

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled or the process is asked to stop (Ctrl+C, SIGTERM).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await App.StartAsync(cancellationToken).ConfigureAwait(false);
        // Returns once stopping was asked for, after stopping the host (the engine last).
        await App.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();

    private static void ConfigureLogging(WebApplicationBuilder builder, IConfiguration configuration, LocalHostOptions options)
    {
        builder.Logging.ClearProviders();
        // One line per request comes from RequestLogMiddleware; ASP.NET Core's own per-request lines are left out.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (string.Equals(configuration[LogFormatSetting], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss ";
            });
        }
        options.ConfigureLogging?.Invoke(builder.Logging);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

public sealed record HealthResponse(string Status, string Worker);
