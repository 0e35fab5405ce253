using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Durable.Embedded;

namespace Serverless.Workflows.Tests.Training;

/// <summary>
/// What the end-to-end training tests share: a run in its own folder (file blobs, SQLite documents), with
/// training in process or as a job on the local runner with the built trainer, on an in-memory engine.
/// </summary>
internal static class LocalJobRun
{
    public static string NewFolder(string prefix)
    {
        var root = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        return root;
    }

    /// <param name="trainingKey">The workflow's setting choosing in-process or job training; set to <c>Job</c> when <paramref name="job"/>.</param>
    public static Dictionary<string, string?> Settings(string root, bool job, string trainingKey)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Serverless:Storage:Blobs"] = "file:" + Path.Combine(root, "blobs"),
            ["Serverless:Storage:Documents"] = "sqlite:" + Path.Combine(root, "documents.db"),
            ["Serverless:Storage:Notifications"] = "file:" + Path.Combine(root, "notifications.jsonl"),
        };
        if (job)
        {
            settings[trainingKey] = "Job";
            settings["Serverless:Training:Mode"] = "Local";
            settings["Serverless:Training:Local:RootDirectory"] = Path.Combine(root, "training");
            settings["Serverless:Training:Local:TrainerExecutable"] = TrainerLocator.Executable;
            settings["Serverless:Training:Monitor:FirstPollInterval"] = "00:00:00.05";
            settings["Serverless:Training:Monitor:MaxPollInterval"] = "00:00:00.2";
        }
        return settings;
    }

    public static ServiceProvider Services(string root, Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddServerlessWorkflows(configuration, root).BuildServiceProvider();
    }

    /// <summary>An in-memory engine with every workflow, its activities built from <paramref name="services"/>.</summary>
    public static async Task<EmbeddedEngine> StartEngineAsync(IServiceProvider services)
    {
        var engine = new EmbeddedEngine(WorkflowCatalog.Create(),
            new EmbeddedEngineOptions { InMemory = true, PollInterval = TimeSpan.FromMilliseconds(20) }, services);
        await engine.StartAsync();
        return engine;
    }
}
