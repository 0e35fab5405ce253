using System.Diagnostics;
using Serverless.Training.Contract;
using Serverless.Training.Local;
using Serverless.Training.Tests.TestSupport;

namespace Serverless.Training.Tests.Local;

/// <summary>What a runner reports about jobs whose host is gone.</summary>
public sealed class LocalRestartTests : LocalRunnerTestBase
{
    [Fact]
    public async Task A_job_whose_host_died_and_whose_process_is_gone_is_reported_failed_with_the_reason()
    {
        var (deadPid, deadStart) = await ExitedProcessAsync();
        WriteRecord("orphan", new LocalHostIdentity(deadPid, deadStart, "crashed-host"), deadPid, deadStart);

        var state = await NewRunner().GetStatusAsync("orphan");

        Assert.Equal(TrainingJobStatus.Failed, state.Status);
        Assert.Contains($"The host that ran this job (pid {deadPid}) stopped while the job was Running", state.ErrorMessage);
        Assert.Contains($"its trainer process (pid {deadPid}) is gone", state.ErrorMessage);
        Assert.Contains("at most once per name", state.ErrorMessage);
        Assert.NotNull(state.EndedAtUtc);

        // The verdict is recorded: resubmitting the name is a no-op that reports it.
        Assert.Equal(state, await NewRunner().SubmitAsync(new TrainingJobSpec { Name = "orphan", Command = "/bin/true", Timeout = TimeSpan.FromMinutes(1) }));
    }

    [Fact]
    public async Task A_trainer_left_running_by_a_dead_host_is_killed_and_the_job_failed()
    {
        var (deadPid, deadStart) = await ExitedProcessAsync();
        using var trainer = Process.Start(new ProcessStartInfo("/bin/sleep", "120") { UseShellExecute = false })!;
        WriteRecord("stranded", new LocalHostIdentity(deadPid, deadStart, "crashed-host"), trainer.Id, ProcessProbeStart(trainer));

        var state = await NewRunner().GetStatusAsync("stranded");

        Assert.Equal(TrainingJobStatus.Failed, state.Status);
        Assert.Contains($"its trainer process (pid {trainer.Id}) was still running and has been killed", state.ErrorMessage);
        using var deadline = new CancellationTokenSource(Deadline);
        await trainer.WaitForExitAsync(deadline.Token);
    }

    [Fact]
    public async Task A_job_running_under_a_live_host_in_another_process_is_left_to_that_host()
    {
        using var host = Process.Start(new ProcessStartInfo("/bin/sleep", "120") { UseShellExecute = false })!;
        using var trainer = Process.Start(new ProcessStartInfo("/bin/sleep", "120") { UseShellExecute = false })!;
        try
        {
            WriteRecord("elsewhere", new LocalHostIdentity(host.Id, ProcessProbeStart(host), "other-host"), trainer.Id, ProcessProbeStart(trainer));

            Assert.Equal(TrainingJobStatus.Running, (await Runner.GetStatusAsync("elsewhere")).Status);

            // A cancel marks the request and stops the process; the owning host concludes the job.
            var state = await Runner.CancelAsync("elsewhere");
            Assert.Equal(TrainingJobStatus.CancelRequested, state.Status);
            using var deadline = new CancellationTokenSource(Deadline);
            await trainer.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            host.Kill();
            await host.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Stopping_the_host_stops_its_jobs_and_records_why()
    {
        var first = NewRunner();
        var spec = ShellJob("interrupted", "sleep 120 & echo $! > \"$1/child.pid\"; wait", ["${{outputs.work}}"], outputs: Folder("work", "file:scratch/interrupted"));
        await first.SubmitAsync(spec);
        var child = await ReadPidFileAsync(Root.Combine("scratch/interrupted/child.pid"));

        await first.DisposeAsync();

        var state = await NewRunner().SubmitAsync(spec);
        Assert.Equal(TrainingJobStatus.Failed, state.Status);
        Assert.Contains("The host stopped while the job was running", state.ErrorMessage);
        Assert.True(await Eventually.TrueAsync(() => !IsAlive(child), Deadline), $"child process {child} survived the host");
    }

    private void WriteRecord(string name, LocalHostIdentity host, int processId, DateTimeOffset processStart)
    {
        var store = new LocalJobStore(Root.Path);
        Directory.CreateDirectory(store.JobDirectory(name));
        store.Write(new LocalJobRecord
        {
            Name = name,
            Status = TrainingJobStatus.Running,
            LogPath = store.LogPath(name),
            Executable = "/bin/sleep",
            Arguments = ["120"],
            WorkingDirectory = store.JobDirectory(name),
            Inputs = new Dictionary<string, string>(),
            Outputs = new Dictionary<string, LocalJobOutput>(),
            EnvironmentVariableNames = [],
            Timeout = TimeSpan.FromHours(1),
            CodeVersion = "test",
            Host = host,
            ProcessId = processId,
            ProcessStartTimeUtc = processStart,
            SubmittedAtUtc = processStart,
            StartedAtUtc = processStart,
        });
    }

    private static DateTimeOffset ProcessProbeStart(Process process) => ProcessProbe.StartTimeOf(process);

    /// <summary>The id and start time of a process that has ended, standing for a crashed host.</summary>
    private static async Task<(int Pid, DateTimeOffset Start)> ExitedProcessAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/sleep", "120") { UseShellExecute = false })!;
        var start = ProcessProbe.StartTimeOf(process);
        process.Kill();
        await process.WaitForExitAsync();
        return (process.Id, start);
    }
}
