using System.Text.Json;
using Serverless.Training.Contract;
using Serverless.Training.Local;
using Serverless.Training.Tests.TestSupport;

namespace Serverless.Training.Tests.Local;

public sealed class LocalTrainingJobServiceTests : LocalRunnerTestBase
{
    [Fact]
    public async Task A_job_that_exits_0_completes_with_its_outputs_and_metrics()
    {
        Root.WriteFile("datasets/sales/2030-01-06.csv", "store,item,qty\n1,7,3\n");
        var spec = ShellJob("forecast-20300106",
            "cp \"$1\" \"$2/model.bin\" && printf '{\"mape\":0.12}' > \"$3/metrics.json\" && echo \"trained on $1\"",
            ["${{inputs.sales}}", "${{outputs.model}}", "${{outputs.metrics}}"],
            inputs: new Dictionary<string, TrainingJobInput> { ["sales"] = new("file:datasets/sales/2030-01-06.csv", TrainingDataKind.UriFile) },
            outputs: new Dictionary<string, TrainingJobOutput>
            {
                ["model"] = new("file:models/forecast/2030-01-06"),
                ["metrics"] = new("file:models/forecast/2030-01-06/metrics"),
            }) with { MetricsOutput = "metrics" };

        var state = await RunToEndAsync(spec);

        Assert.Equal(TrainingJobStatus.Completed, state.Status);
        Assert.Equal(0, state.ExitCode);
        Assert.Null(state.ErrorMessage);
        Assert.NotNull(state.StartedAtUtc);
        Assert.True(state.EndedAtUtc >= state.StartedAtUtc);
        Assert.Equal("store,item,qty\n1,7,3\n", File.ReadAllText(Root.Combine("models/forecast/2030-01-06/model.bin")));
        Assert.Contains($"trained on {Root.Combine("datasets/sales/2030-01-06.csv")}", File.ReadAllText(state.LogLocation!));

        var outputs = await Runner.GetOutputsAsync(spec.Name);
        Assert.Equal("file:models/forecast/2030-01-06", outputs.Outputs["model"]);
        Assert.Equal("file:models/forecast/2030-01-06/metrics/metrics.json", outputs.MetricsUri);
        Assert.Equal("{\"mape\":0.12}", outputs.MetricsJson);

        // The job folder records what ran, as its manifest.
        using var record = JsonDocument.Parse(File.ReadAllText(Root.Combine("jobs", spec.Name, "job.json")));
        Assert.Equal("/bin/sh", record.RootElement.GetProperty("executable").GetString());
        Assert.Equal(Root.Combine("models/forecast/2030-01-06"), record.RootElement.GetProperty("arguments")[4].GetString());
        Assert.Equal("Completed", record.RootElement.GetProperty("status").GetString());
        Assert.Equal(TrainingCodeVersion.Current, record.RootElement.GetProperty("codeVersion").GetString());
    }

    [Fact]
    public async Task A_job_that_exits_non_zero_fails_with_the_last_20_lines_of_its_log()
    {
        var state = await RunToEndAsync(ShellJob("noisy-failure", "i=1; while [ $i -le 30 ]; do echo \"line $i\"; i=$((i+1)); done; exit 3"));

        Assert.Equal(TrainingJobStatus.Failed, state.Status);
        Assert.Equal(3, state.ExitCode);
        var message = state.ErrorMessage!.Split(Environment.NewLine);
        Assert.Contains("exited with code 3", message[0]);
        Assert.Contains(state.LogLocation!, message[0]);
        Assert.Equal(Enumerable.Range(11, 20).Select(i => $"line {i}"), message.Skip(1));
    }

    [Fact]
    public async Task Stdout_and_stderr_reach_the_log_in_the_order_the_trainer_wrote_them()
    {
        // Alternating streams: with a reader per stream the log's order was whichever reader ran first.
        var state = await RunToEndAsync(ShellJob("interleaved",
            "i=1; while [ $i -le 200 ]; do echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1)); done; echo 'matrix is singular at row 17' >&2; exit 3"));

        Assert.Equal(TrainingJobStatus.Failed, state.Status);
        var expected = Enumerable.Range(1, 200).SelectMany(i => new[] { $"out {i}", $"err {i}" }).Append("matrix is singular at row 17");
        Assert.Equal(expected, File.ReadAllLines(state.LogLocation!));
        Assert.EndsWith("err 200" + Environment.NewLine + "matrix is singular at row 17", state.ErrorMessage);
    }

    [Fact]
    public async Task Trainers_that_exit_at_once_complete_even_when_they_are_gone_before_their_start_time_is_read()
    {
        // A trainer that exits at once can be reaped before its start time is read; that must not fail the job.
        var states = new List<TrainingJobState>();
        for (var i = 0; i < 150; i++)
        {
            states.Add(await RunToEndAsync(new TrainingJobSpec { Name = $"instant-{i}", Command = "/bin/true", Timeout = TimeSpan.FromMinutes(1) }));
        }

        Assert.All(states, s => Assert.True(s.Status == TrainingJobStatus.Completed, $"{s.Name}: {s.Status}: {s.ErrorMessage}"));
    }

    [Fact]
    public async Task A_job_that_outlives_its_timeout_is_killed_with_its_children_and_canceled()
    {
        var spec = ShellJob("slow", "sleep 120 & echo $! > \"$1/child.pid\"; wait", ["${{outputs.work}}"],
            outputs: Folder("work", "file:scratch/slow"), timeout: TimeSpan.FromSeconds(1));

        var state = await RunToEndAsync(spec);

        Assert.Equal(TrainingJobStatus.Canceled, state.Status);
        Assert.Contains("Timed out after 00:00:01", state.ErrorMessage);
        var child = await ReadPidFileAsync(Root.Combine("scratch/slow/child.pid"));
        Assert.True(await Eventually.TrueAsync(() => !IsAlive(child), Deadline), $"child process {child} survived the timeout");
    }

    [Fact]
    public async Task Cancel_kills_the_process_tree_and_marks_the_job_canceled()
    {
        var spec = ShellJob("endless", "sleep 120 & echo $! > \"$1/child.pid\"; wait", ["${{outputs.work}}"], outputs: Folder("work", "file:scratch/endless"));
        await Runner.SubmitAsync(spec);
        var child = await ReadPidFileAsync(Root.Combine("scratch/endless/child.pid"));
        Assert.Equal(TrainingJobStatus.Running, (await Runner.GetStatusAsync("endless")).Status);

        var state = await Runner.CancelAsync("endless");

        Assert.Equal(TrainingJobStatus.Canceled, state.Status);
        Assert.Contains("Canceled on request", state.ErrorMessage);
        Assert.True(await Eventually.TrueAsync(() => !IsAlive(child), Deadline), $"child process {child} survived the cancel");
        Assert.Equal(TrainingJobStatus.Canceled, (await Runner.CancelAsync("endless")).Status);
    }

    [Fact]
    public async Task A_job_that_exits_while_a_background_child_holds_its_output_still_completes()
    {
        var spec = ShellJob("leaky", "sleep 120 & echo $! > \"$1/child.pid\"; echo done", ["${{outputs.work}}"], outputs: Folder("work", "file:scratch/leaky"));

        var state = await RunToEndAsync(spec);

        var child = await ReadPidFileAsync(Root.Combine("scratch/leaky/child.pid"));
        try
        {
            Assert.Equal(TrainingJobStatus.Completed, state.Status);
            Assert.Contains("a background child may still be running", File.ReadAllText(state.LogLocation!));
        }
        finally
        {
            System.Diagnostics.Process.GetProcessById(child).Kill();
        }
    }

    [Fact]
    public async Task A_second_submit_of_a_name_does_not_run_it_again_even_after_a_restart()
    {
        var spec = ShellJob("once", "echo run >> \"$1/runs.txt\"", ["${{outputs.counter}}"], outputs: Folder("counter", "file:scratch/once"));
        var first = await RunToEndAsync(spec);

        var again = await Runner.SubmitAsync(spec);
        var afterRestart = await NewRunner().SubmitAsync(spec with { Arguments = ["-c", "echo other >> \"$1/runs.txt\"", "job", "${{outputs.counter}}"] });

        Assert.Equal(TrainingJobStatus.Completed, first.Status);
        Assert.Equal(first, again);
        Assert.Equal(first, afterRestart);
        Assert.Equal(["run"], File.ReadAllLines(Root.Combine("scratch/once/runs.txt")));
    }

    [Fact]
    public async Task Concurrent_submits_of_one_name_start_one_process()
    {
        var spec = ShellJob("raced", "echo run >> \"$1/runs.txt\"", ["${{outputs.counter}}"], outputs: Folder("counter", "file:scratch/raced"));
        var other = NewRunner();

        var states = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? Runner : other).SubmitAsync(spec)));
        using var deadline = new CancellationTokenSource(Deadline);
        await Runner.WaitForCompletionAsync("raced", deadline.Token);
        await other.WaitForCompletionAsync("raced", deadline.Token);

        Assert.All(states, s => Assert.Equal("raced", s.Name));
        Assert.Equal(["run"], File.ReadAllLines(Root.Combine("scratch/raced/runs.txt")));
    }

    [Fact]
    public async Task A_missing_input_is_rejected_before_anything_starts()
    {
        var spec = ShellJob("no-data", "echo should not run > \"$2/ran.txt\"", ["${{inputs.sales}}", "${{outputs.model}}"],
            inputs: new Dictionary<string, TrainingJobInput> { ["sales"] = new("file:datasets/sales/missing.csv", TrainingDataKind.UriFile) },
            outputs: Folder("model", "file:models/no-data"));

        var error = await Assert.ThrowsAsync<TrainingJobValidationException>(() => Runner.SubmitAsync(spec));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("inputs.sales", problem.Field);
        Assert.Contains(Root.Combine("datasets/sales/missing.csv"), problem.Message);
        Assert.Contains("does not exist", problem.Message);
        Assert.False(Directory.Exists(Root.Combine("jobs", "no-data")));
        await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => Runner.GetStatusAsync("no-data"));
    }

    [Fact]
    public async Task Every_local_problem_is_reported_at_once()
    {
        Root.WriteFile("datasets/sales", "a file where a folder is expected");
        Root.WriteFile("blocked", "a file where a folder must be created");
        var spec = ShellJob("many-problems", "true", ["${{inputs.sales}}"],
            inputs: new Dictionary<string, TrainingJobInput>
            {
                ["sales"] = new("file:datasets/sales"),
                ["items"] = new("https://acct.blob.core.windows.net/datasets/items.csv", TrainingDataKind.UriFile),
                ["escape"] = new("file:../outside"),
            },
            outputs: Folder("model", "file:blocked/model")) with { Environment = Root.Combine("bin/missing-trainer") };

        var problems = await Runner.ValidateAsync(spec);

        Assert.Equal(["environment", "inputs.escape", "inputs.items", "inputs.sales", "outputs.model"], problems.Select(p => p.Field).Order());
        Assert.Contains(problems, p => p.Field == "inputs.sales" && p.Message.Contains("declared a folder", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "inputs.items" && p.Message.Contains("file: URIs only", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "inputs.escape" && p.Message.Contains("leaves the local root", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "outputs.model" && p.Message.Contains("not writable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_local_environment_or_the_configured_trainer_stands_in_for_the_command()
    {
        var viaEnvironment = ShellJob("via-env", "echo \"$GREETING\" > \"$1/env.txt\"", ["${{outputs.work}}"], outputs: Folder("work", "file:scratch/via-env")) with
        {
            Command = "serverless-trainer-not-installed",
            Environment = "/bin/sh",
            EnvironmentVariables = new Dictionary<string, string> { ["GREETING"] = "hello from the spec" },
        };
        var viaTrainer = viaEnvironment with { Name = "via-trainer", Environment = "azureml:serverless-trainer:1", Outputs = Folder("work", "file:scratch/via-trainer") };

        var first = await RunToEndAsync(viaEnvironment);
        var second = await RunToEndAsync(viaTrainer, NewRunner(trainerExecutable: "/bin/sh"));

        Assert.Equal(TrainingJobStatus.Completed, first.Status);
        Assert.Equal(TrainingJobStatus.Completed, second.Status);
        Assert.Equal("hello from the spec", File.ReadAllText(Root.Combine("scratch/via-env/env.txt")).Trim());
        Assert.Equal("hello from the spec", File.ReadAllText(Root.Combine("scratch/via-trainer/env.txt")).Trim());

        var problems = await Runner.ValidateAsync(viaTrainer with { Name = "no-trainer" });
        Assert.Equal("command", Assert.Single(problems).Field);
    }

    [Fact]
    public async Task Metrics_that_are_not_JSON_are_reported_with_the_file_and_line()
    {
        var spec = ShellJob("bad-metrics", "printf '{\\n  \"mape\": oops\\n}' > \"$1/metrics.json\"", ["${{outputs.metrics}}"],
            outputs: Folder("metrics", "file:models/bad-metrics")) with { MetricsOutput = "metrics" };
        Assert.Equal(TrainingJobStatus.Completed, (await RunToEndAsync(spec)).Status);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Runner.GetOutputsAsync("bad-metrics"));

        Assert.StartsWith(Root.Combine("models/bad-metrics/metrics.json") + ": line 2:", error.Message);
    }

    [Fact]
    public async Task Outputs_are_refused_until_the_job_has_completed()
    {
        var failed = await RunToEndAsync(ShellJob("failed-job", "exit 1"));

        Assert.Equal(TrainingJobStatus.Failed, failed.Status);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Runner.GetOutputsAsync("failed-job"));
        await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => Runner.GetOutputsAsync("never-submitted"));
        await Assert.ThrowsAsync<TrainingJobValidationException>(() => Runner.GetStatusAsync("../escape"));
    }

    [Fact]
    public async Task Absolute_file_URIs_are_used_as_they_are()
    {
        using var elsewhere = new TempDirectory();
        elsewhere.WriteFile("in/data.txt", "outside the root");
        var spec = ShellJob("absolute", "cp \"$1\" \"$2/copy.txt\"", ["${{inputs.data}}", "${{outputs.copy}}"],
            inputs: new Dictionary<string, TrainingJobInput> { ["data"] = new("file://" + elsewhere.Combine("in/data.txt"), TrainingDataKind.UriFile) },
            outputs: Folder("copy", "file:" + elsewhere.Combine("out")));

        Assert.Equal(TrainingJobStatus.Completed, (await RunToEndAsync(spec)).Status);
        Assert.Equal("outside the root", File.ReadAllText(elsewhere.Combine("out/copy.txt")));
    }
}
