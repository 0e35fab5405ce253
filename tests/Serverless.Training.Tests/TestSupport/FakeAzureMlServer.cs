using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Training.AzureMl;

namespace Serverless.Training.Tests.TestSupport;

/// <summary>One request as the fake service received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string? Authorization, string? ContentType, string Body)
{
    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    public bool IsCancel => Method == "POST" && Path.EndsWith("/cancel", StringComparison.Ordinal);

    /// <summary>A request about a job (not an environment or a datastore).</summary>
    public bool IsJob => Path.Contains("/jobs/", StringComparison.Ordinal);

    public bool IsDatastore => Path.Contains("/datastores/", StringComparison.Ordinal);
}

/// <summary>A canned answer the server gives instead of its normal behaviour, once.</summary>
public sealed record CannedResponse(Func<RecordedRequest, bool> Matches, int Status, string Body = "", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// An HTTPS server on 127.0.0.1 that speaks the slice of Azure ML's REST contract the client uses:
/// PUT/GET .../workspaces/{ws}/jobs/{name}?api-version=... and POST .../cancel, GET .../environments/{name}
/// and GET .../datastores/{name}. Jobs move through a scripted status sequence, one step per GET;
/// canned responses inject throttling, server errors and rejections. As the service does, it can hide
/// a new job from reads for a while after its PUT, and refuses to cancel a job already CancelRequested.
/// </summary>
public sealed partial class FakeAzureMlServer : IAsyncDisposable
{
    public const string Subscription = "00000000-1111-2222-3333-444444444444";
    public const string ResourceGroup = "rg-training";
    public const string Workspace = "ws-serverless";
    public const string ApiVersion = "2026-07-01";

    /// <summary>The datastore every workspace has (and the specs of the tests use).</summary>
    public const string DefaultDatastore = "workspaceblobstore";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonObject> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<string>> _scripts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failureMessages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _hiddenReads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _environments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _datastores = new(StringComparer.Ordinal)
    {
        [DefaultDatastore] = Datastore(DefaultDatastore, "stworkspace", "azureml-blobstore-0001"),
    };
    private readonly List<CannedResponse> _canned = [];
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private FakeAzureMlServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        Certificate = certificate;
    }

    public X509Certificate2 Certificate { get; }

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Rejects PUTs whose body matches, as the service does for an unknown compute or environment.</summary>
    public Func<JsonNode, (int Status, string Code, string Message)?>? RejectSubmission { get; set; }

    public static async Task<FakeAzureMlServer> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var server = new FakeAzureMlServer(app, certificate);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Endpoint = new Uri(address);
        return server;
    }

    /// <summary>The statuses a job reports, one per GET; the last one sticks.</summary>
    public void Script(string jobName, params string[] statuses)
    {
        lock (_gate) _scripts[jobName] = new Queue<string>(statuses);
    }

    /// <summary>The message the job's services report once it has Failed.</summary>
    public void FailureMessage(string jobName, string message)
    {
        lock (_gate) _failureMessages[jobName] = message;
    }

    public void Enqueue(CannedResponse response)
    {
        lock (_gate) _canned.Add(response);
    }

    /// <summary>The next <paramref name="count"/> matching requests are throttled (429) with this <c>Retry-After</c>.</summary>
    public void Throttle(int count, string retryAfter, Func<RecordedRequest, bool>? matches = null)
    {
        for (var i = 0; i < count; i++)
        {
            Enqueue(new CannedResponse(matches ?? (_ => true), 429, Error("TooManyRequests", "The request was throttled."),
                new Dictionary<string, string> { ["Retry-After"] = retryAfter }));
        }
    }

    /// <summary>After its PUT, the job answers 404 to this many reads before it becomes visible (eventual consistency).</summary>
    public void HideAfterCreate(string jobName, int reads)
    {
        lock (_gate) _hiddenReads[jobName] = reads;
    }

    /// <summary>Registers an environment whose newest version is <paramref name="latestVersion"/> (null: no versions).</summary>
    public void AddEnvironment(string name, string? latestVersion, bool archived = false)
    {
        var properties = new JsonObject { ["isArchived"] = archived };
        if (latestVersion is not null) properties["latestVersion"] = latestVersion;
        lock (_gate) _environments[name] = new JsonObject { ["id"] = $"{WorkspaceId}/environments/{name}", ["name"] = name, ["properties"] = properties };
    }

    /// <summary>Registers an identity-based blob datastore over <paramref name="container"/> of <paramref name="account"/>.</summary>
    public void AddDatastore(string name, string account, string container, string endpoint = "core.windows.net", string protocol = "https")
    {
        lock (_gate) _datastores[name] = Datastore(name, account, container, endpoint, protocol);
    }

    private static JsonObject Datastore(string name, string account, string container, string endpoint = "core.windows.net", string protocol = "https") => new()
    {
        ["id"] = $"{WorkspaceId}/datastores/{name}",
        ["name"] = name,
        ["properties"] = new JsonObject
        {
            ["datastoreType"] = "AzureBlob",
            ["accountName"] = account,
            ["containerName"] = container,
            ["endpoint"] = endpoint,
            ["protocol"] = protocol,
            ["credentials"] = new JsonObject { ["credentialsType"] = "None" },
        },
    };

    /// <summary>Client options that trust this server's certificate and record every retry wait.</summary>
    public AzureMlClientOptions ClientOptions(List<TimeSpan>? waits = null, TimeProvider? clock = null)
    {
        var thumbprint = Certificate.Thumbprint;
        var options = new AzureMlClientOptions
        {
            Transport = new HttpClientTransport(new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint,
            }),
            RetryDelay = (wait, _) =>
            {
                if (waits is not null) lock (waits) waits.Add(wait);
                return Task.CompletedTask;
            },
        };
        if (clock is not null) options.Clock = clock;
        return options;
    }

    public AzureMlTrainingOptions WorkspaceOptions(string? compute = "gpu-cluster", string? environment = "azureml:serverless-trainer:1") => new()
    {
        SubscriptionId = Subscription,
        ResourceGroup = ResourceGroup,
        Workspace = Workspace,
        Compute = compute,
        Environment = environment,
        Endpoint = Endpoint,
    };

    public static string WorkspaceId =>
        $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/{Workspace}";

    public static string JobPath(string name) => $"{WorkspaceId}/jobs/{name}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    [GeneratedRegex(@"^/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.MachineLearningServices/workspaces/(?<ws>[^/]+)/(?<kind>jobs|environments|datastores)/(?<name>[^/]+)(?<cancel>/cancel)?$")]
    private static partial Regex WorkspaceRoute();

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.QueryString.Value ?? "",
            context.Request.Headers.Authorization.FirstOrDefault(),
            context.Request.ContentType,
            await reader.ReadToEndAsync());
        _requests.Enqueue(request);

        var (status, body, headers) = Answer(request, context.Request.Query["api-version"].ToString());
        context.Response.StatusCode = status;
        foreach (var (key, value) in headers ?? new Dictionary<string, string>()) context.Response.Headers[key] = value;
        if (body.Length > 0)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        }
    }

    private (int Status, string Body, IReadOnlyDictionary<string, string>? Headers) Answer(RecordedRequest request, string apiVersion)
    {
        lock (_gate)
        {
            var canned = _canned.FirstOrDefault(c => c.Matches(request));
            if (canned is not null)
            {
                _canned.Remove(canned);
                return (canned.Status, canned.Body, canned.Headers);
            }

            if (request.Authorization is null || !request.Authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                return (401, Error("AuthenticationFailed", "No bearer token."), null);
            }
            if (apiVersion != ApiVersion) return (400, Error("UnsupportedApiVersion", $"api-version '{apiVersion}' is not supported."), null);

            var route = WorkspaceRoute().Match(request.Path);
            if (!route.Success || route.Groups["sub"].Value != Subscription || route.Groups["ws"].Value != Workspace)
            {
                return (404, Error("ResourceNotFound", $"No route {request.Path}."), null);
            }

            var name = route.Groups["name"].Value;
            switch (route.Groups["kind"].Value)
            {
                case "environments" when request.Method == "GET":
                    return _environments.TryGetValue(name, out var environment)
                        ? (200, environment.ToJsonString(), null)
                        : (404, Error("UserError", $"Environment container '{name}' not found in workspace '{Workspace}'."), null);
                case "datastores" when request.Method == "GET":
                    return _datastores.TryGetValue(name, out var datastore)
                        ? (200, datastore.ToJsonString(), null)
                        : (404, Error("UserError", $"Datastore '{name}' not found in workspace '{Workspace}'."), null);
                case "jobs":
                    break;
                default:
                    return (405, Error("MethodNotAllowed", $"{request.Method} {request.Path}"), null);
            }

            _jobs.TryGetValue(name, out var job);
            if (job is not null && request.Method == "GET" && _hiddenReads.TryGetValue(name, out var hidden) && hidden > 0)
            {
                _hiddenReads[name] = hidden - 1;
                job = null;
            }
            return (request.Method, route.Groups["cancel"].Success) switch
            {
                ("PUT", false) => Create(name, request),
                ("GET", false) when job is not null => (200, Read(name, job, advance: true), null),
                ("POST", true) when job is not null => Cancel(name, job),
                _ => (404, Error("UserError", $"Job '{name}' not found in workspace '{Workspace}'."), null),
            };
        }
    }

    private (int, string, IReadOnlyDictionary<string, string>?) Create(string name, RecordedRequest request)
    {
        var body = request.Json!;
        if (RejectSubmission?.Invoke(body) is { } rejection) return (rejection.Status, Error(rejection.Code, rejection.Message), null);

        var properties = body["properties"]!.DeepClone().AsObject();
        properties["status"] = "NotStarted";
        properties["services"] = new JsonObject
        {
            ["Studio"] = new JsonObject { ["jobServiceType"] = "Studio", ["endpoint"] = StudioUri(name) },
            ["Tracking"] = new JsonObject { ["jobServiceType"] = "Tracking", ["endpoint"] = "azureml://eastus.api.azureml.ms/mlflow/v1.0" + WorkspaceId },
        };
        var job = new JsonObject { ["id"] = JobPath(name), ["name"] = name, ["type"] = "Microsoft.MachineLearningServices/workspaces/jobs", ["properties"] = properties };
        _jobs[name] = job;
        return (201, Read(name, job, advance: false), null);
    }

    private (int, string, IReadOnlyDictionary<string, string>?) Cancel(string name, JsonObject job)
    {
        var status = (string?)job["properties"]!["status"];
        if (status is "CancelRequested" or "Canceled" or "Completed" or "Failed")
        {
            return (409, Error("UserError", $"Job '{name}' is in state {status} and cannot be canceled."), null);
        }
        _scripts[name] = new Queue<string>(["CancelRequested", "Canceled"]);
        return (202, "", new Dictionary<string, string> { ["Location"] = Endpoint + JobPath(name).TrimStart('/') + "/operations/cancel" });
    }

    private string Read(string name, JsonObject job, bool advance)
    {
        var properties = job["properties"]!.AsObject();
        if (advance && _scripts.TryGetValue(name, out var script) && script.Count > 0)
        {
            var next = script.Count > 1 ? script.Dequeue() : script.Peek();
            properties["status"] = next;
            if (next == "Failed" && _failureMessages.TryGetValue(name, out var message))
            {
                properties["services"]!["Studio"]!["errorMessage"] = message;
            }
        }
        return job.ToJsonString();
    }

    public static string StudioUri(string name) => $"https://ml.azure.com/runs/{name}?wsid={WorkspaceId}";

    public static string Error(string code, string message) =>
        new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString();

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
