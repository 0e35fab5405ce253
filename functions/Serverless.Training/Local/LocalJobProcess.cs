using System.Diagnostics;

namespace Serverless.Training.Local;

/// <summary>
/// One trainer process: started with its arguments and environment, its stdout and stderr appended
/// to the job log as they arrive, and killed with its whole process tree on request.
/// </summary>
/// <remarks>
/// On Unix the trainer's stderr is joined to its stdout before it starts (<c>/bin/sh -c 'exec "$@" 2&gt;&amp;1'</c>,
/// which replaces the shell with the trainer, so the process id stays the trainer's). Two pipes read by two
/// readers reach the log in whatever order the readers happen to run, so an error a trainer prints to stderr
/// just before it exits could land above its earlier progress lines, out of the log's tail; one pipe keeps
/// the order the trainer wrote in.
/// </remarks>
internal sealed class LocalJobProcess : IDisposable
{
    private const string Shell = "/bin/sh";

    /// <summary>Runs its arguments as one command with stderr joined to stdout.</summary>
    private const string JoinOutputScript = "exec \"$@\" 2>&1";

    /// <summary>How long output may keep arriving after the process ended (a background child can hold the pipe open).</summary>
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LocalJobProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    public DateTimeOffset StartTimeUtc { get; private set; }

    public static LocalJobProcess Start(string executable, IReadOnlyList<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environmentVariables, string logPath)
    {
        var joined = !OperatingSystem.IsWindows() && File.Exists(Shell);
        var startInfo = new ProcessStartInfo(joined ? Shell : executable)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        if (joined)
        {
            // sh -c SCRIPT NAME ARGS...: NAME becomes $0 (shown in the shell's own errors), ARGS become "$@".
            foreach (var argument in new[] { "-c", JoinOutputScript, Path.GetFileName(executable), executable }) startInfo.ArgumentList.Add(argument);
        }
        foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
        foreach (var (key, value) in environmentVariables) startInfo.Environment[key] = value;

        var stream = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var log = new StreamWriter(stream) { AutoFlush = true };
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var job = new LocalJobProcess(process, log);
        process.Exited += (_, _) => job._exited.TrySetResult();
        process.OutputDataReceived += (_, e) => job.Append(e.Data);
        process.ErrorDataReceived += (_, e) => job.Append(e.Data);
        var startingAt = DateTimeOffset.UtcNow;
        try
        {
            process.Start();
        }
        catch
        {
            job.Dispose();
            throw;
        }
        job.StartTimeUtc = ProcessProbe.StartTimeOf(process, fallback: startingAt);
        // The trainer reads nothing from stdin; closing it keeps a stray read from hanging.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return job;
    }

    /// <summary>Waits for the process to end and its output to be written; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _exited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Waits for the rest of the output, but a background child left holding the pipe does not hold the job.
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(OutputDrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Append($"[serverless] output was still open {OutputDrainTimeout.TotalSeconds:0} s after the process exited; a background child may still be running");
        }
        return _process.ExitCode;
    }

    public void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        lock (_logLock) _log.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_logLock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output that arrives after the job was wound up has nowhere to go.
            }
        }
    }
}
