using Serverless.Training.Contract;
using Serverless.Training.Local;
using Serverless.Training.Tests.TestSupport;

namespace Serverless.Training.Tests.Local;

/// <summary>A local blob store root, a runner on it, and shell-script jobs for the runner to run.</summary>
public abstract class LocalRunnerTestBase : IAsyncLifetime
{
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly List<LocalTrainingJobService> _runners = [];

    protected TempDirectory Root { get; } = new();

    protected LocalTrainingJobService Runner { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Runner = NewRunner();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var runner in _runners) await runner.DisposeAsync();
        Root.Dispose();
    }

    /// <summary>Another runner on the same root, as after a host restart.</summary>
    protected LocalTrainingJobService NewRunner(string? trainerExecutable = null)
    {
        var runner = new LocalTrainingJobService(new LocalTrainingOptions { RootDirectory = Root.Path, TrainerExecutable = trainerExecutable });
        _runners.Add(runner);
        return runner;
    }

    /// <summary>
    /// A job that runs <paramref name="script"/> with <c>/bin/sh -c</c>; the placeholders in
    /// <paramref name="parameters"/> arrive as <c>$1</c>, <c>$2</c>, ...
    /// </summary>
    protected static TrainingJobSpec ShellJob(string name, string script, IReadOnlyList<string>? parameters = null,
        IReadOnlyDictionary<string, TrainingJobInput>? inputs = null, IReadOnlyDictionary<string, TrainingJobOutput>? outputs = null,
        TimeSpan? timeout = null) => new()
    {
        Name = name,
        Command = "/bin/sh",
        Arguments = ["-c", script, "job", .. parameters ?? []],
        Inputs = inputs ?? new Dictionary<string, TrainingJobInput>(),
        Outputs = outputs ?? new Dictionary<string, TrainingJobOutput>(),
        Timeout = timeout ?? TimeSpan.FromMinutes(2),
    };

    protected static Dictionary<string, TrainingJobOutput> Folder(string name, string uri) => new() { [name] = new TrainingJobOutput(uri) };

    protected async Task<TrainingJobState> RunToEndAsync(TrainingJobSpec spec, LocalTrainingJobService? runner = null)
    {
        runner ??= Runner;
        await runner.SubmitAsync(spec);
        using var deadline = new CancellationTokenSource(Deadline);
        return await runner.WaitForCompletionAsync(spec.Name, deadline.Token);
    }

    protected static bool IsAlive(int processId)
    {
        var stat = $"/proc/{processId}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            var text = File.ReadAllText(stat);
            return text[text.LastIndexOf(')') + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    protected async Task<int> ReadPidFileAsync(string path)
    {
        Assert.True(await Eventually.TrueAsync(() => File.Exists(path) && File.ReadAllText(path).Trim().Length > 0, Deadline), $"{path} never appeared");
        return int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
