using Microsoft.Extensions.Configuration;
using Moq;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;
using Serverless.Training.Contract;
using Serverless.Training.Validation;
using Serverless.Workflows.Training;

namespace Serverless.Workflows.Tests.Training;

public sealed class TrainingJobDefaultsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Settings_are_read_with_their_defaults()
    {
        var defaults = TrainingJobDefaults.FromConfiguration(Config(
            ("Serverless:Training:Timeout", "00:30:00"), ("Serverless:Training:Device", "GPU"), ("Serverless:Training:InstanceType", "Standard_NC4as_T4_v3"),
            ("Serverless:Training:Monitor:FirstPollInterval", "00:00:05")));

        Assert.Equal(TimeSpan.FromMinutes(30), defaults.Timeout);
        Assert.Equal("gpu", defaults.Device);
        Assert.Equal(new TrainingResources(1, "Standard_NC4as_T4_v3"), defaults.Resources);
        Assert.Equal("serverless-trainer", defaults.Command);
        Assert.Equal(TimeSpan.FromSeconds(5), defaults.Monitor.FirstPollInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), defaults.Monitor.MaxPollInterval);
        Assert.Equal(TimeSpan.FromHours(1), defaults.Monitor.StartTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), defaults.Monitor.NotFoundGracePeriod);
    }

    [Fact]
    public void The_data_locations_infra_sets_are_accepted()
    {
        var defaults = TrainingJobDefaults.FromConfiguration(Config(
            ("Serverless:Training:DataUriPrefix", "azureml://datastores/serverless/paths/"),
            ("Serverless:Training:TrainerUri", "azureml://datastores/training/paths/trainer/0123456789abcdef/")));

        Assert.Equal("azureml://datastores/serverless/paths/", defaults.DataUriPrefix);
        Assert.Equal("azureml://datastores/training/paths/trainer/0123456789abcdef/", defaults.TrainerUri);
    }

    [Theory]
    [InlineData("Serverless:Training:Timeout", "soon", "Serverless:Training:Timeout = 'soon'")]
    [InlineData("Serverless:Training:Device", "tpu", "Serverless:Training:Device = 'tpu'")]
    [InlineData("Serverless:Training:InstanceCount", "0", "Serverless:Training:InstanceCount = '0'")]
    [InlineData("Serverless:Training:Monitor:MaxPollInterval", "00:00:01", "maxPollInterval")]
    [InlineData("Serverless:Training:Monitor:StartTimeout", "00:00:00", "startTimeout must be positive")]
    [InlineData("Serverless:Training:Monitor:NotFoundGracePeriod", "-00:01:00", "notFoundGracePeriod must not be negative")]
    [InlineData("Serverless:Training:DataUriPrefix", "azureml://datastores/serverless/", "Serverless:Training:DataUriPrefix = 'azureml://datastores/serverless/' is not a folder a job can reach")]
    [InlineData("Serverless:Training:TrainerUri", "serverless/trainer/v1", "Serverless:Training:TrainerUri = 'serverless/trainer/v1' is not a folder a job can reach")]
    public void A_bad_setting_is_an_error_naming_its_key(string key, string value, string expected)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TrainingJobDefaults.FromConfiguration(Config((key, value))));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Blob_paths_become_file_uris_of_a_file_system_store_or_take_the_configured_prefix()
    {
        var root = Path.Combine(Path.GetTempPath(), "blobs-root");
        var files = new FileSystemBlobStore(root);

        Assert.Equal($"file://{root}/recommendations/jobs/in.csv", new TrainingJobDefaults().DataUri(files, "recommendations/jobs/in.csv"));
        Assert.Equal("azureml://datastores/serverless/paths/a/b.csv",
            new TrainingJobDefaults { DataUriPrefix = "azureml://datastores/serverless/paths/" }.DataUri(files, "a/b.csv"));
        Assert.Equal("https://acct.blob.core.windows.net/serverless/a/b.csv",
            new TrainingJobDefaults { DataUriPrefix = "https://acct.blob.core.windows.net/serverless" }.DataUri(Mock.Of<IBlobStore>(), "a/b.csv"));
    }

    [Fact]
    public void A_cloud_blob_store_without_a_prefix_is_a_clear_error()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new TrainingJobDefaults().DataUri(Mock.Of<IBlobStore>(), "a/b.csv"));
        Assert.Contains("Serverless:Training:DataUriPrefix is not set", ex.Message);
    }

    [Fact]
    public void Both_trainer_specs_pass_the_contract_rules_once_named()
    {
        var defaults = new TrainingJobDefaults();
        var als = TrainerJobSpecs.Als(defaults, "file:in/interactions.csv", "file:in/als.json", "file:out/model", "als for jobs") with { Name = "run1-train-jobs" };
        var forecast = TrainerJobSpecs.Forecast(defaults, "file:in/aggregates", "file:in/config.json", "file:out/model", "abc123", "forecast") with { Name = "run1-train" };

        Assert.Empty(TrainingJobSpecValidator.Validate(als));
        Assert.Empty(TrainingJobSpecValidator.Validate(forecast));
        Assert.Equal("model", als.MetricsOutput);
        Assert.Contains("${{outputs.model}}", als.Arguments);
        Assert.Equal(["--code-version", "abc123"], forecast.Arguments.TakeLast(2));
    }

    [Fact]
    public void A_published_trainer_folder_becomes_an_input_run_with_dotnet()
    {
        var defaults = TrainingJobDefaults.FromConfiguration(Config(("Serverless:Training:TrainerUri", "azureml://datastores/serverless/paths/trainer/v1/")));

        var als = TrainerJobSpecs.Als(defaults, "azureml://datastores/serverless/paths/in.csv", "azureml://datastores/serverless/paths/als.json",
            "azureml://datastores/serverless/paths/out", "als") with { Name = "run1-train-jobs" };

        Assert.Empty(TrainingJobSpecValidator.Validate(als));
        Assert.Equal("dotnet", als.Command);
        Assert.Equal(["${{inputs.trainer}}/serverless-trainer.dll", "als"], als.Arguments.Take(2));
        Assert.Equal(TrainingDataKind.UriFolder, als.Inputs["trainer"].Kind);
    }
}
