using System.Text.Json.Nodes;
using Serverless.Training.AzureMl;
using Serverless.Training.Configuration;
using Serverless.Training.Contract;
using Serverless.Training.Tests.TestSupport;

namespace Serverless.Training.Tests.AzureMl;

public sealed class AzureMlTrainingJobServiceTests : IAsyncLifetime
{
    private FakeAzureMlServer _server = null!;
    private readonly FakeTokenCredential _credential = new();
    private readonly List<TimeSpan> _waits = [];

    public async Task InitializeAsync() => _server = await FakeAzureMlServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private AzureMlTrainingJobService Service(AzureMlTrainingOptions? options = null, AzureMlClientOptions? client = null) =>
        new(options ?? _server.WorkspaceOptions(), _credential, client ?? _server.ClientOptions(_waits));

    private static TrainingJobSpec Spec(string name) => new()
    {
        Name = name,
        Command = "serverless-trainer",
        Arguments = ["als", "--ratings", "${{inputs.ratings}}", "--model", "${{outputs.model}}", "--metrics", "${{outputs.metrics}}", "--note", "it's weekly"],
        Inputs = new Dictionary<string, TrainingJobInput>
        {
            ["ratings"] = new("https://acct.blob.core.windows.net/datasets/ratings/2030-01-06.csv", TrainingDataKind.UriFile),
            ["history"] = new("azureml://datastores/workspaceblobstore/paths/history/"),
        },
        Outputs = new Dictionary<string, TrainingJobOutput>
        {
            ["model"] = new("azureml://datastores/workspaceblobstore/paths/models/als/2030-01-06/"),
            ["metrics"] = new("https://acct.blob.core.windows.net/models/als/2030-01-06/metrics/"),
        },
        MetricsOutput = "metrics",
        Resources = new TrainingResources(2, "Standard_NC6s_v3"),
        Timeout = TimeSpan.FromMinutes(90),
        EnvironmentVariables = new Dictionary<string, string> { ["SERVERLESS_SEED"] = "42" },
        ExperimentName = "recommendations",
        Tags = new Dictionary<string, string> { ["workflow"] = "RecommendationRefresh" },
    };

    [Fact]
    public async Task Submit_sends_a_command_job_with_the_REST_shape_and_a_bearer_token()
    {
        var service = Service();

        var state = await service.SubmitAsync(Spec("rec-refresh-20300106"));

        Assert.Equal(TrainingJobStatus.NotStarted, state.Status);
        Assert.Equal(FakeAzureMlServer.StudioUri("rec-refresh-20300106"), state.LogLocation);

        var requests = _server.Requests.Where(r => r.IsJob).ToList();
        Assert.Equal(["GET", "PUT"], requests.Select(r => r.Method));
        var put = requests[1];
        Assert.Equal(FakeAzureMlServer.JobPath("rec-refresh-20300106"), put.Path);
        Assert.Equal("?api-version=2026-07-01", put.Query);
        Assert.Equal($"Bearer {FakeTokenCredential.Token}", put.Authorization);
        Assert.StartsWith("application/json", put.ContentType);
        Assert.Contains("https://management.azure.com/.default", _credential.Scopes);

        var properties = put.Json!["properties"]!;
        Assert.Equal("Command", (string?)properties["jobType"]);
        Assert.Equal(
            "serverless-trainer als --ratings ${{inputs.ratings}} --model ${{outputs.model}} --metrics ${{outputs.metrics}} --note 'it'\\''s weekly'",
            (string?)properties["command"]);
        Assert.Equal($"{FakeAzureMlServer.WorkspaceId}/environments/serverless-trainer/versions/1", (string?)properties["environmentId"]);
        Assert.Equal($"{FakeAzureMlServer.WorkspaceId}/computes/gpu-cluster", (string?)properties["computeId"]);
        Assert.Equal("rec-refresh-20300106", (string?)properties["displayName"]);
        Assert.Equal("recommendations", (string?)properties["experimentName"]);

        Assert.Equal("uri_file", (string?)properties["inputs"]!["ratings"]!["jobInputType"]);
        Assert.Equal("https://acct.blob.core.windows.net/datasets/ratings/2030-01-06.csv", (string?)properties["inputs"]!["ratings"]!["uri"]);
        Assert.Equal("uri_folder", (string?)properties["inputs"]!["history"]!["jobInputType"]);
        Assert.Equal("uri_folder", (string?)properties["outputs"]!["model"]!["jobOutputType"]);
        Assert.Equal("azureml://datastores/workspaceblobstore/paths/models/als/2030-01-06/", (string?)properties["outputs"]!["model"]!["uri"]);

        Assert.Equal(2, (int?)properties["resources"]!["instanceCount"]);
        Assert.Equal("Standard_NC6s_v3", (string?)properties["resources"]!["instanceType"]);
        Assert.Equal("Command", (string?)properties["limits"]!["jobLimitsType"]);
        Assert.Equal("PT1H30M", (string?)properties["limits"]!["timeout"]);
        Assert.Equal("42", (string?)properties["environmentVariables"]!["SERVERLESS_SEED"]);
        Assert.Equal("RecommendationRefresh", (string?)properties["tags"]!["workflow"]);
        Assert.Equal("metrics", (string?)properties["properties"]!["serverless.metricsOutput"]);
        Assert.False(string.IsNullOrEmpty((string?)properties["properties"]!["serverless.codeVersion"]));
        // Read-only fields are not sent.
        Assert.Null(properties["status"]);
        Assert.Null(properties["services"]);
    }

    [Fact]
    public async Task By_default_the_job_reaches_its_data_as_the_clusters_managed_identity()
    {
        await Service().SubmitAsync(Spec("identity-default"));

        var put = Assert.Single(_server.Requests, r => r.Method == "PUT");
        Assert.Equal("""{"identityType":"Managed"}""", put.Json!["properties"]!["identity"]!.ToJsonString());
    }

    [Theory]
    [InlineData(AzureMlJobIdentityType.Managed, "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", """{"identityType":"Managed","clientId":"5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"}""")]
    [InlineData(AzureMlJobIdentityType.UserIdentity, null, """{"identityType":"UserIdentity"}""")]
    [InlineData(AzureMlJobIdentityType.AmlToken, null, """{"identityType":"AMLToken"}""")]
    public async Task The_configured_job_identity_is_sent_in_Azure_MLs_shape(AzureMlJobIdentityType type, string? clientId, string expected)
    {
        var options = _server.WorkspaceOptions() with { JobIdentity = type, JobIdentityClientId = clientId };

        await Service(options).SubmitAsync(Spec("identity-configured"));

        var put = Assert.Single(_server.Requests, r => r.Method == "PUT");
        Assert.Equal(expected, put.Json!["properties"]!["identity"]!.ToJsonString());
    }

    [Fact]
    public void A_client_id_without_a_managed_identity_is_refused_before_any_request()
    {
        var options = _server.WorkspaceOptions() with { JobIdentity = AzureMlJobIdentityType.AmlToken, JobIdentityClientId = "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b" };

        var error = Assert.Throws<TrainingConfigurationException>(() => Service(options));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("Serverless:Training:AzureMl:JobIdentityClientId", problem.Field);
        Assert.Contains("Serverless:Training:AzureMl:JobIdentity = Managed, not AMLToken", problem.Message);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Status_follows_Queued_Running_Completed_and_outputs_carry_the_metrics()
    {
        var reader = new RecordingArtifactReader("{\"rmse\":0.42}");
        var client = _server.ClientOptions(_waits);
        client.ArtifactReader = reader;
        var service = Service(client: client);
        _server.Script("forecast-1", "Queued", "Running", "Completed");
        await service.SubmitAsync(Spec("forecast-1"));

        var seen = new List<TrainingJobState>();
        for (var poll = 0; poll < 3; poll++) seen.Add(await service.GetStatusAsync("forecast-1"));

        Assert.Equal([TrainingJobStatus.Queued, TrainingJobStatus.Running, TrainingJobStatus.Completed], seen.Select(s => s.Status));
        Assert.Equal([false, false, true], seen.Select(s => s.IsTerminal));
        Assert.All(seen, s => Assert.Null(s.ErrorMessage));

        var outputs = await service.GetOutputsAsync("forecast-1");
        Assert.Equal("azureml://datastores/workspaceblobstore/paths/models/als/2030-01-06/", outputs.Outputs["model"]);
        Assert.Equal("https://acct.blob.core.windows.net/models/als/2030-01-06/metrics/metrics.json", outputs.MetricsUri);
        Assert.Equal("{\"rmse\":0.42}", outputs.MetricsJson);
        Assert.Equal([outputs.MetricsUri!], reader.Read);
    }

    [Fact]
    public async Task Outputs_of_a_job_that_has_not_completed_are_refused()
    {
        var service = Service();
        _server.Script("forecast-2", "Running");
        await service.SubmitAsync(Spec("forecast-2"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.GetOutputsAsync("forecast-2"));
        Assert.Contains("Running", error.Message);
    }

    [Fact]
    public async Task Submitting_the_same_name_twice_returns_the_existing_job_without_a_second_PUT()
    {
        var service = Service();
        _server.Script("weekly-7", "Running");
        await service.SubmitAsync(Spec("weekly-7"));

        var again = await service.SubmitAsync(Spec("weekly-7") with { Arguments = ["something", "else"] });

        Assert.Equal(TrainingJobStatus.Running, again.Status);
        Assert.Single(_server.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task A_throttled_call_waits_for_the_seconds_in_Retry_After()
    {
        var service = Service();
        await service.SubmitAsync(Spec("throttled"));
        _server.Enqueue(new CannedResponse(r => r.Method == "GET", 429,
            FakeAzureMlServer.Error("TooManyRequests", "Slow down."), new Dictionary<string, string> { ["Retry-After"] = "7" }));

        var state = await service.GetStatusAsync("throttled");

        Assert.Equal(TrainingJobStatus.NotStarted, state.Status);
        Assert.Equal([TimeSpan.FromSeconds(7)], _waits);
    }

    [Fact]
    public async Task A_Retry_After_date_is_measured_from_the_clock()
    {
        var now = new DateTimeOffset(2030, 1, 6, 3, 0, 0, TimeSpan.Zero);
        var service = Service(client: _server.ClientOptions(_waits, new FixedClock(now)));
        await service.SubmitAsync(Spec("throttled-date"));
        _server.Enqueue(new CannedResponse(r => r.Method == "GET", 503, "",
            new Dictionary<string, string> { ["Retry-After"] = now.AddSeconds(12).ToString("r") }));

        await service.GetStatusAsync("throttled-date");

        Assert.Equal([TimeSpan.FromSeconds(12)], _waits);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_a_doubling_back_off_until_one_succeeds()
    {
        var service = Service();
        _server.Enqueue(new CannedResponse(r => r.Method == "GET", 500, FakeAzureMlServer.Error("InternalServerError", "Try again.")));
        _server.Enqueue(new CannedResponse(r => r.Method == "GET", 503, ""));
        _server.Enqueue(new CannedResponse(r => r.Method == "PUT", 502, ""));

        var state = await service.SubmitAsync(Spec("flaky"));

        Assert.Equal(TrainingJobStatus.NotStarted, state.Status);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)], _waits);
        Assert.Equal(["GET", "GET", "GET", "PUT", "PUT"], _server.Requests.Where(r => r.IsJob).Select(r => r.Method));
    }

    [Fact]
    public async Task Server_errors_that_outlast_the_retries_raise_the_status_and_the_service_message()
    {
        var client = _server.ClientOptions(_waits);
        client.Retry.MaxRetries = 2;
        var service = Service(client: client);
        for (var i = 0; i < 3; i++)
        {
            _server.Enqueue(new CannedResponse(r => r.Method == "GET", 500, FakeAzureMlServer.Error("InternalServerError", "The backend exploded."),
                new Dictionary<string, string> { ["x-ms-request-id"] = "req-123" }));
        }

        var error = await Assert.ThrowsAsync<TrainingServiceException>(() => service.GetStatusAsync("broken"));

        Assert.Equal(500, error.StatusCode);
        Assert.Equal("InternalServerError", error.ErrorCode);
        Assert.Contains("The backend exploded.", error.Message);
        Assert.Contains("req-123", error.Message);
        Assert.Equal(2, _waits.Count);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_retry_budget_is_not_waited_for()
    {
        var service = Service();
        _server.Enqueue(new CannedResponse(r => r.Method == "GET", 429, FakeAzureMlServer.Error("TooManyRequests", "Come back in an hour."),
            new Dictionary<string, string> { ["Retry-After"] = "3600" }));

        var error = await Assert.ThrowsAsync<TrainingServiceException>(() => service.GetStatusAsync("busy"));

        Assert.Equal(429, error.StatusCode);
        Assert.Contains("Come back in an hour.", error.Message);
        Assert.Empty(_waits);
    }

    [Fact]
    public async Task A_failed_job_reports_the_service_error_and_where_the_logs_are()
    {
        var service = Service();
        _server.Script("doomed", "Running", "Failed");
        _server.FailureMessage("doomed", "UserError: train.py exited with code 1: CUDA out of memory");
        await service.SubmitAsync(Spec("doomed"));

        await service.GetStatusAsync("doomed");
        var failed = await service.GetStatusAsync("doomed");

        Assert.Equal(TrainingJobStatus.Failed, failed.Status);
        Assert.True(failed.IsTerminal);
        Assert.Equal("UserError: train.py exited with code 1: CUDA out of memory", failed.ErrorMessage);
        Assert.Equal(FakeAzureMlServer.StudioUri("doomed"), failed.LogLocation);
    }

    [Fact]
    public async Task A_job_that_never_ends_can_be_canceled_and_the_cancel_reaches_the_service()
    {
        var service = Service();
        _server.Script("endless", "Queued", "Running");
        await service.SubmitAsync(Spec("endless"));
        for (var poll = 0; poll < 5; poll++) Assert.False((await service.GetStatusAsync("endless")).IsTerminal);

        var afterCancel = await service.CancelAsync("endless");

        var cancel = Assert.Single(_server.Requests, r => r.IsCancel);
        Assert.Equal(FakeAzureMlServer.JobPath("endless") + "/cancel", cancel.Path);
        Assert.Equal("?api-version=2026-07-01", cancel.Query);
        Assert.Equal($"Bearer {FakeTokenCredential.Token}", cancel.Authorization);
        Assert.Equal(TrainingJobStatus.CancelRequested, afterCancel.Status);
        Assert.Equal(TrainingJobStatus.Canceled, (await service.GetStatusAsync("endless")).Status);
    }

    [Fact]
    public async Task Canceling_a_finished_job_leaves_it_alone()
    {
        var service = Service();
        _server.Script("done", "Completed");
        await service.SubmitAsync(Spec("done"));
        await service.GetStatusAsync("done");

        var state = await service.CancelAsync("done");

        Assert.Equal(TrainingJobStatus.Completed, state.Status);
        Assert.DoesNotContain(_server.Requests, r => r.IsCancel);
    }

    [Fact]
    public async Task An_unknown_compute_is_rejected_on_submit_with_the_service_message()
    {
        _server.RejectSubmission = body => ((string?)body["properties"]!["computeId"])!.EndsWith("/computes/no-such-cluster", StringComparison.Ordinal)
            ? (400, "UserError", "Compute no-such-cluster is not found in workspace ws-serverless.")
            : null;
        var service = Service();

        var error = await Assert.ThrowsAsync<TrainingJobRejectedException>(() => service.SubmitAsync(Spec("wrong-compute") with { Compute = "no-such-cluster" }));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("UserError", error.ErrorCode);
        Assert.Equal("Compute no-such-cluster is not found in workspace ws-serverless.", error.ServiceMessage);
        Assert.Contains("wrong-compute", error.Message);
        Assert.Empty(_waits);
    }

    [Fact]
    public async Task An_unknown_environment_answered_with_404_is_a_rejection_too()
    {
        _server.RejectSubmission = body => ((string?)body["properties"]!["environmentId"])!.Contains("/environments/ghost/", StringComparison.Ordinal)
            ? (404, "ResourceNotFound", "Environment ghost:3 does not exist.")
            : null;
        var service = Service();

        var error = await Assert.ThrowsAsync<TrainingJobRejectedException>(() => service.SubmitAsync(Spec("wrong-env") with { Environment = "azureml:ghost:3" }));

        Assert.Equal(404, error.StatusCode);
        Assert.Contains("Environment ghost:3 does not exist.", error.Message);
    }

    [Fact]
    public async Task A_spec_Azure_ML_cannot_run_is_refused_before_anything_is_sent_but_the_existence_check()
    {
        var service = Service(_server.WorkspaceOptions(compute: null, environment: null));
        var spec = Spec("local-data") with
        {
            Inputs = new Dictionary<string, TrainingJobInput> { ["ratings"] = new("file:datasets/ratings.csv", TrainingDataKind.UriFile), ["history"] = new("azureml://x/") },
            Environment = "/usr/bin/serverless-trainer",
        };

        var error = await Assert.ThrowsAsync<TrainingJobValidationException>(() => service.SubmitAsync(spec));

        Assert.Equal(["compute", "environment", "inputs.ratings"], error.Problems.Select(p => p.Field).Order());
        Assert.DoesNotContain(_server.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task Reading_an_unknown_job_says_it_does_not_exist()
    {
        var error = await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => Service().GetStatusAsync("nobody"));
        Assert.Contains("nobody", error.Message);
        Assert.Contains(FakeAzureMlServer.Workspace, error.Message);
    }

    [Theory]
    [InlineData(401, "InvalidAuthenticationToken", "could not authenticate to")]
    [InlineData(403, "AuthorizationFailed", "has no role that allows this on")]
    public async Task A_refused_identity_fails_at_once_naming_the_identity_and_the_scope(int status, string code, string says)
    {
        const string clientId = "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
        _server.Enqueue(new CannedResponse(r => r.Method == "GET", status,
            FakeAzureMlServer.Error(code, "The client does not have authorization to perform action 'jobs/read'.")));
        var service = Service(_server.WorkspaceOptions() with { ManagedIdentityClientId = clientId });

        var error = await Assert.ThrowsAsync<TrainingAccessDeniedException>(() => service.GetStatusAsync("forbidden"));

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(code, error.ErrorCode);
        Assert.Contains($"the managed identity with client id {clientId} {says}", error.Message);
        Assert.Contains(FakeAzureMlServer.WorkspaceId, error.Scope);
        Assert.Contains("jobs/read", error.Message);
        Assert.Empty(_waits);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task An_identity_without_access_is_refused_at_submit_not_after_a_timeout()
    {
        _server.Enqueue(new CannedResponse(r => r.IsDatastore, 403,
            FakeAzureMlServer.Error("AuthorizationFailed", "The client does not have authorization to perform action 'datastores/read'.")));

        var error = await Assert.ThrowsAsync<TrainingAccessDeniedException>(() => Service().SubmitAsync(Spec("no-access")));

        Assert.Contains("Reading datastore 'workspaceblobstore'", error.Message);
        Assert.Contains("DefaultAzureCredential", error.Identity);
        Assert.DoesNotContain(_server.Requests, r => r.Method == "PUT");
    }

    private sealed class RecordingArtifactReader(string text) : ITrainingArtifactReader
    {
        public List<string> Read { get; } = [];

        public Task<string?> ReadTextAsync(string uri, CancellationToken cancellationToken)
        {
            Read.Add(uri);
            return Task.FromResult<string?>(text);
        }
    }
}
