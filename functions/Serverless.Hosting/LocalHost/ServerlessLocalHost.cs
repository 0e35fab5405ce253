using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Durable.Embedded;
using Serverless.Hosting.Api;
using Serverless.Hosting.Api.Schedules;
using Serverless.Hosting.Composition;
using Serverless.Hosting.Schedules;
using Serverless.Hosting.Security;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;
using Serverless.Storage.Notifications;
using Serverless.Hosting.Telemetry;

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

    /// <summary>
    /// Export traces and metrics over OTLP unless <c>Serverless:Telemetry:Otlp:Enabled</c> says otherwise: what
    /// <c>serverless host</c> does. Off for hosts built by tests.
    /// </summary>
    public bool ExportTelemetryByDefault { get; set; }
}

/// <summary>
/// <c>serverless host</c>: one process that serves what the Function App serves in Azure, on the embedded
/// engine: the <c>/api</c> routes behind function and admin keys, the timer schedules, <c>/healthz</c> and the pages.
/// It listens on 127.0.0.1 only, unless <see cref="AllowRemoteSetting"/> allows the endpoints configured for Kestrel.
/// </summary>
public sealed class ServerlessLocalHost : IAsyncDisposable
{
    public const string PortSetting = "Serverless:Host:Port";
    public const string LogFormatSetting = "Serverless:Host:LogFormat";

    /// <summary>True lets Kestrel endpoints from configuration listen beyond this machine; otherwise they stop the host.</summary>
    public const string AllowRemoteSetting = "Serverless:Host:AllowRemote";
    public const int DefaultPort = 7071;

    /// <summary>How old an unfinished blob write must be before a start deletes it.</summary>
    private static readonly TimeSpan AbandonedWriteAge = TimeSpan.FromMinutes(10);

    private readonly bool _allowRemote;

    private ServerlessLocalHost(WebApplication app, string databasePath, FunctionKeysLoad keys, bool allowRemote)
    {
        App = app;
        DatabasePath = databasePath;
        Keys = keys.Keys;
        GeneratedKey = keys.GeneratedKey;
        AdminKeys = keys.AdminKeys;
        GeneratedAdminKey = keys.GeneratedAdminKey;
        _allowRemote = allowRemote;
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>The engine database this host runs on.</summary>
    public string DatabasePath { get; }

    public FunctionKeys Keys { get; }

    /// <summary>The key generated at this start (the keys file did not exist), or null.</summary>
    public string? GeneratedKey { get; }

    /// <summary>The keys that also steer instances; null when none are configured.</summary>
    public FunctionKeys? AdminKeys { get; }

    /// <summary>The admin key generated at this start, or null.</summary>
    public string? GeneratedAdminKey { get; }

    /// <summary>Every address the host listens on, once started.</summary>
    public IReadOnlyList<Uri> Addresses =>
        (App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        .Select(a => new Uri(a.EndsWith('/') ? a : a + "/")).ToList();

    /// <summary>The loopback address the host listens on (the one the pages and the CLI use), once started.</summary>
    public Uri BaseAddress
    {
        get
        {
            var addresses = Addresses;
            if (addresses.Count == 0) throw new InvalidOperationException("The host is not listening yet; start it first.");
            return addresses.FirstOrDefault(IsLoopback) ?? addresses[0];
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
        StateFiles.Prepare(baseDirectory, databasePath);
        if (!inMemory) StateFiles.CreatePrivateFile(SqliteScheduleStateStore.PathBeside(databasePath));
        var keys = FunctionKeyStore.Load(configuration, keysFile);

        var port = options.Port ?? (int.TryParse(configuration[PortSetting], out var configuredPort) ? configuredPort : DefaultPort);
        if (port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), port, $"{PortSetting}: a port is from 0 to 65535.");
        var allowRemote = bool.TryParse(configuration[AllowRemoteSetting], out var remote) && remote;
        ThreadPoolFloor.Apply(configuration);
        if (!allowRemote) RefuseRemoteEndpoints(configuration);
        if (string.IsNullOrWhiteSpace(configuration[NotificationSettingNames.LinkBaseUrl]) && port != 0)
        {
            // Links in notifications (review page, run status) point at this host unless configured otherwise.
            builder.Configuration.AddInMemoryCollection([new(NotificationSettingNames.LinkBaseUrl, $"http://127.0.0.1:{port}")]);
        }
        var largestBody = Math.Max(ApiLimits.MaxBodyBytes(configuration), ApiLimits.MaxEventBatchBytes(configuration));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            // Each route lowers this to its own limit (ApiErrorMiddleware); this is the ceiling.
            kestrel.Limits.MaxRequestBodySize = largestBody;
        });

        var services = builder.Services;
        if (options.TimeProvider is not null) services.AddSingleton(options.TimeProvider);
        services.AddSingleton(keys.Keys);
        services.AddSingleton(keys.HostKeys);
        services.AddSingleton(WrongKeyLimiter.FromConfiguration(configuration));
        services.AddHealthChecks()
            .AddCheck<EngineHealthCheck>("engine")
            .AddCheck<DocumentsHealthCheck>("documents")
            .AddCheck<BlobsHealthCheck>("blobs");
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
        services.AddServerlessTelemetry(configuration, options.ExportTelemetryByDefault);
        services.TryAddSingleton(TimeProvider.System);
        options.ConfigureServices?.Invoke(services);

        var app = builder.Build();
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<FunctionKeyMiddleware>();
        var pages = new PhysicalFileProvider(builder.Environment.WebRootPath);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = pages });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = pages,
            // Pages are small; always revalidate so a new version shows at once.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = WriteHealthAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapServerlessApi().MapSchedulesRoutes();

        var host = new ServerlessLocalHost(app, databasePath, keys, allowRemote);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ServerlessLocalHost>();
        var output = options.KeyOutput ?? Console.Out;
        if (keys.GeneratedKey is not null)
        {
            output.WriteLine($"Generated a function key (kept in {keys.Keys.Source}, readable only by you); it is shown only this once:");
            output.WriteLine($"  {keys.GeneratedKey}");
        }
        if (keys.GeneratedAdminKey is not null)
        {
            output.WriteLine($"Generated an admin key (terminate, purge, raise events, suspend, resume; kept in {keys.AdminKeys!.Source}); it is shown only this once:");
            output.WriteLine($"  {keys.GeneratedAdminKey}");
        }
        output.Flush();
        logger.LogInformation("Function keys: {Count} from {Source}; admin keys: {AdminCount} from {AdminSource}", keys.Keys.Count, keys.Keys.Source,
            keys.AdminKeys?.Count ?? 0, keys.AdminKeys?.Source ?? "none");
        if (app.Services.GetRequiredService<IBlobStore>() is FileSystemBlobStore files && files.RemoveAbandonedWrites(AbandonedWriteAge) is > 0 and var removed)
        {
            logger.LogInformation("Removed {Count} unfinished blob writes left in {Folder} by a process that stopped mid-write", removed, files.RootDirectory);
        }
        return host;
    }

    /// <summary>Starts listening; stops again and fails when an address reaches beyond this machine without <see cref="AllowRemoteSetting"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await App.StartAsync(cancellationToken).ConfigureAwait(false);
        var remote = Addresses.Where(a => !IsLoopback(a)).ToList();
        if (remote.Count == 0) return;
        if (!_allowRemote)
        {
            await App.StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw new InvalidOperationException($"The host was about to listen on {string.Join(", ", remote)}, beyond this machine. "
                + $"Set {AllowRemoteSetting}=true to allow it (and put TLS in front), or remove that endpoint.");
        }
        App.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ServerlessLocalHost>()
            .LogWarning("Listening beyond this machine on {Addresses} ({Setting} is true): anyone who can reach it may try keys", string.Join(", ", remote), AllowRemoteSetting);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => App.StopAsync(cancellationToken);

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled or the process is asked to stop (Ctrl+C, SIGTERM).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
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

    private static bool IsLoopback(Uri address) =>
        address.IsLoopback || (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>
    /// Kestrel also listens on the endpoints in configuration (<c>Kestrel:Endpoints:NAME:Url</c>, from appsettings.json
    /// or <c>Kestrel__Endpoints__NAME__Url</c>); one that reaches beyond this machine stops the start unless allowed.
    /// </summary>
    private static void RefuseRemoteEndpoints(IConfiguration configuration)
    {
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            var url = endpoint["Url"];
            if (string.IsNullOrWhiteSpace(url)) continue;
            var host = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
            host = host.Split('/')[0];
            host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
            var loopback = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
            if (!loopback)
            {
                throw new InvalidOperationException($"Kestrel:Endpoints:{endpoint.Key}:Url = '{url}' would listen beyond this machine. "
                    + $"The host listens on 127.0.0.1 only unless {AllowRemoteSetting}=true is set; remove the endpoint or set that option.");
            }
        }
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        var engine = context.RequestServices.GetRequiredService<EngineDescription>();
        var checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy
            ? "ok"
            : e.Value.Exception is { } ex ? ApiErrors.Describe(ex).Message : e.Value.Description ?? e.Value.Status.ToString());
        var status = report.Status == HealthStatus.Unhealthy
            ? string.Join("; ", checks.Where(c => c.Value != "ok").Select(c => $"{c.Key}: {c.Value}"))
            : "ok";
        return ApiResults.Json(new HealthResponse(status, engine.WorkerId, checks), context.Response.StatusCode).ExecuteAsync(context);
    }
}

/// <summary>What <c>/healthz</c> answers: "ok", or what is wrong; and each store's own answer.</summary>
public sealed record HealthResponse(string Status, string Worker, IReadOnlyDictionary<string, string>? Checks = null);
