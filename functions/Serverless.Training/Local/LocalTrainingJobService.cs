using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Training.Contract;
using Serverless.Training.Validation;

namespace Serverless.Training.Local;

/// <summary>
/// Runs training jobs as child processes of this machine, under the same contract as Azure ML.
/// </summary>
/// <remarks>
/// <para>
/// Each job has a folder <c>&lt;root&gt;/jobs/{name}/</c> with <c>job.json</c> (state and manifest),
/// <c>job.log</c> (the process's stdout and stderr) and a lock file. Because the state is on disk,
/// a second submit of a name is a no-op across host restarts too.
/// </para>
/// <para>
/// A job runs at most once per name. If the host that watched a job stops while the job runs, the
/// job is reported <see cref="TrainingJobStatus.Failed"/> with that reason (a trainer process still
/// running is killed, since its output can no longer be captured). The durable contract is
/// at-least-once for activities, not for jobs: a submit activity delivered twice finds the job by
/// name, and running a job again is the orchestration's decision, made by submitting a new name
/// (for example with an attempt number), so each run keeps its own log and outputs.
/// </para>
/// <para>
/// The program run is, in order: the spec's <see cref="TrainingJobSpec.Environment"/> when it is a
/// local executable; else <see cref="LocalTrainingOptions.TrainerExecutable"/> when configured; else
/// the spec's <see cref="TrainingJobSpec.Command"/>. Its arguments are the spec's, with placeholders
/// replaced by local paths. Validation creates missing output folders (that is how it proves them writable).
/// </para>
/// </remarks>
public sealed class LocalTrainingJobService : ITrainingJobService, IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, byte> LiveInstances = new(StringComparer.Ordinal);
    private static readonly TimeSpan ReapTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LongestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly LocalTrainingOptions _options;
    private readonly LocalPathResolver _paths;
    private readonly LocalJobStore _store;
    private readonly LocalHostIdentity _host;
    private readonly ConcurrentDictionary<string, RunningJob> _running = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private int _disposed;

    public LocalTrainingJobService(LocalTrainingOptions options, ILogger<LocalTrainingJobService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.RootDirectory);
        _options = options;
        _paths = new LocalPathResolver(options.RootDirectory);
        _store = new LocalJobStore(_paths.Root);
        _logger = logger ?? NullLogger<LocalTrainingJobService>.Instance;
        using var self = Process.GetCurrentProcess();
        _host = new LocalHostIdentity(Environment.ProcessId, ProcessProbe.StartTimeOf(self), Guid.NewGuid().ToString("N"));
        LiveInstances[_host.InstanceId] = 0;
    }

    /// <summary>The local blob store root that <c>file:</c> URIs resolve against.</summary>
    public string RootDirectory => _paths.Root;

    public Task<IReadOnlyList<TrainingJobProblem>> ValidateAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Task.FromResult<IReadOnlyList<TrainingJobProblem>>(Plan(spec).Problems);
    }

    public async Task<TrainingJobState> SubmitAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ThrowIfBadName(spec.Name);
        if (_store.Exists(spec.Name)) return await GetStatusAsync(spec.Name, cancellationToken).ConfigureAwait(false);

        var (problems, plan) = Plan(spec);
        if (plan is null) throw new TrainingJobValidationException(spec.Name, problems);

        RunningJob? started = null;
        LocalJobRecord? record = null;
        using (await _store.LockAsync(spec.Name, cancellationToken).ConfigureAwait(false))
        {
            // A concurrent submit of the same name may have won the lock first.
            if (!_store.Exists(spec.Name)) (record, started) = Start(spec, plan);
        }
        if (record is null) return await GetStatusAsync(spec.Name, cancellationToken).ConfigureAwait(false);
        if (started is not null) _ = MonitorAsync(started);
        return record.ToState();
    }

    public async Task<TrainingJobState> GetStatusAsync(string name, CancellationToken cancellationToken = default)
    {
        var record = ReadExisting(name);
        if (record.Status.IsTerminal() || _running.ContainsKey(name) || IsLive(record.Host)) return record.ToState();
        return (await ResolveOrphanAsync(name, cancelRequested: false, cancellationToken).ConfigureAwait(false)).ToState();
    }

    public async Task<TrainingJobState> CancelAsync(string name, CancellationToken cancellationToken = default)
    {
        var record = ReadExisting(name);
        if (record.Status.IsTerminal()) return record.ToState();

        if (_running.TryGetValue(name, out var job))
        {
            await UpdateAsync(name, r => r.Status.IsTerminal() ? r : r with { Status = TrainingJobStatus.CancelRequested }, cancellationToken).ConfigureAwait(false);
            job.Stop(StopReason.Cancel);
            try
            {
                await job.Finished.WaitAsync(_options.CancelWait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Still winding down: the caller sees CancelRequested and polls.
            }
            return ReadExisting(name).ToState();
        }

        if (!IsLive(record.Host)) return (await ResolveOrphanAsync(name, cancelRequested: true, cancellationToken).ConfigureAwait(false)).ToState();

        // Another live runner watches this job: mark the request, stop the process, and let that runner conclude.
        var marked = await UpdateAsync(name, r => r.Status.IsTerminal() ? r : r with { Status = TrainingJobStatus.CancelRequested }, cancellationToken).ConfigureAwait(false);
        if (!marked.Status.IsTerminal() && marked.ProcessId is { } pid && marked.ProcessStartTimeUtc is { } start) ProcessProbe.KillTree(pid, start);
        _logger.LogInformation("Requested cancellation of local training job {JobName} run by another host", name);
        return marked.ToState();
    }

    public async Task<TrainingJobOutputs> GetOutputsAsync(string name, CancellationToken cancellationToken = default)
    {
        var state = await GetStatusAsync(name, cancellationToken).ConfigureAwait(false);
        if (state.Status != TrainingJobStatus.Completed)
        {
            throw new InvalidOperationException($"Training job '{name}' is {state.Status}; outputs are collected only from a Completed job.");
        }

        var record = ReadExisting(name);
        var outputs = record.Outputs.ToDictionary(o => o.Key, o => o.Value.Uri, StringComparer.Ordinal);
        if (record.MetricsOutput is null || !record.Outputs.TryGetValue(record.MetricsOutput, out var metricsOutput))
        {
            return new TrainingJobOutputs(name, outputs);
        }

        var isFile = metricsOutput.Kind == TrainingDataKind.UriFile;
        var metricsPath = isFile ? metricsOutput.Path : Path.Combine(metricsOutput.Path, TrainingJobOutputs.MetricsFileName);
        var metricsUri = isFile ? metricsOutput.Uri : metricsOutput.Uri.TrimEnd('/') + "/" + TrainingJobOutputs.MetricsFileName;
        if (!File.Exists(metricsPath)) return new TrainingJobOutputs(name, outputs, metricsUri);

        var metrics = await File.ReadAllTextAsync(metricsPath, cancellationToken).ConfigureAwait(false);
        try
        {
            using var _ = JsonDocument.Parse(metrics);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{metricsPath}: line {ex.LineNumber + 1}: the metrics file of training job '{name}' is not valid JSON: {ex.Message}", ex);
        }
        return new TrainingJobOutputs(name, outputs, metricsUri, metrics);
    }

    /// <summary>
    /// Waits until a job this runner started reaches a terminal state (or <paramref name="cancellationToken"/>
    /// fires), then returns its state. For other jobs it returns the current state at once.
    /// </summary>
    public async Task<TrainingJobState> WaitForCompletionAsync(string name, CancellationToken cancellationToken = default)
    {
        if (_running.TryGetValue(name, out var job)) await job.Finished.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await GetStatusAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the jobs this runner is watching (recorded Failed: the host stopped) and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var jobs = _running.Values.ToList();
        foreach (var job in jobs) job.Stop(StopReason.HostStopping);
        try
        {
            await Task.WhenAll(jobs.Select(j => j.Finished)).WaitAsync(ReapTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Local training jobs {JobNames} did not wind down within {Timeout}", string.Join(", ", jobs.Select(j => j.Name)), ReapTimeout);
        }
        LiveInstances.TryRemove(_host.InstanceId, out _);
    }

    private (LocalJobRecord Record, RunningJob? Job) Start(TrainingJobSpec spec, LaunchPlan plan)
    {
        var now = DateTimeOffset.UtcNow;
        var record = new LocalJobRecord
        {
            Name = spec.Name,
            Status = TrainingJobStatus.Starting,
            LogPath = _store.LogPath(spec.Name),
            Executable = plan.Executable,
            Arguments = plan.Arguments,
            WorkingDirectory = _store.JobDirectory(spec.Name),
            Inputs = spec.Inputs.ToDictionary(p => p.Key, p => p.Value.Uri, StringComparer.Ordinal),
            Outputs = plan.Outputs,
            MetricsOutput = spec.MetricsOutput,
            EnvironmentVariableNames = [.. spec.EnvironmentVariables.Keys.Order(StringComparer.Ordinal)],
            Timeout = spec.Timeout,
            CodeVersion = TrainingCodeVersion.Current,
            Host = _host,
            SubmittedAtUtc = now,
        };
        _store.Write(record);

        LocalJobProcess process;
        try
        {
            process = LocalJobProcess.Start(plan.Executable, plan.Arguments, record.WorkingDirectory, spec.EnvironmentVariables, record.LogPath);
        }
        catch (Exception ex) when (ex is Win32Exception or IOException or UnauthorizedAccessException)
        {
            record = record with
            {
                Status = TrainingJobStatus.Failed,
                ErrorMessage = $"Could not start '{plan.Executable}': {ex.Message}",
                EndedAtUtc = DateTimeOffset.UtcNow,
            };
            _store.Write(record);
            return (record, null);
        }

        record = record with
        {
            Status = TrainingJobStatus.Running,
            ProcessId = process.Id,
            ProcessStartTimeUtc = process.StartTimeUtc,
            StartedAtUtc = process.StartTimeUtc,
        };
        _store.Write(record);
        var job = new RunningJob(spec.Name, process, spec.Timeout < LongestTimer ? spec.Timeout : Timeout.InfiniteTimeSpan);
        _running[spec.Name] = job;
        _logger.LogInformation("Started local training job {JobName} as process {ProcessId}: {Executable}", spec.Name, process.Id, plan.Executable);
        return (record, job);
    }

    private async Task MonitorAsync(RunningJob job)
    {
        try
        {
            int? exitCode = null;
            var stopped = false;
            try
            {
                exitCode = await job.Process.WaitForExitAsync(job.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                stopped = true;
                job.Process.KillTree();
                try
                {
                    exitCode = await job.Process.WaitForExitAsync(CancellationToken.None).WaitAsync(ReapTimeout).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    _logger.LogWarning("Process {ProcessId} of training job {JobName} was killed but not reaped within {Timeout}", job.Process.Id, job.Name, ReapTimeout);
                }
            }

            var reason = stopped ? job.Reason : StopReason.None;
            var concluded = await UpdateAsync(job.Name, r => Conclude(r, reason, exitCode), CancellationToken.None).ConfigureAwait(false);
            _logger.LogInformation("Local training job {JobName} ended {Status} (exit code {ExitCode})", job.Name, concluded.Status, exitCode);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Watching local training job {JobName} failed", job.Name);
        }
        finally
        {
            _running.TryRemove(job.Name, out _);
            job.Dispose();
            job.MarkFinished();
        }
    }

    private LocalJobRecord Conclude(LocalJobRecord record, StopReason reason, int? exitCode)
    {
        if (record.Status.IsTerminal()) return record;
        var ended = record with { EndedAtUtc = DateTimeOffset.UtcNow, ExitCode = exitCode };
        var timeout = record.Timeout.ToString("c", CultureInfo.InvariantCulture);
        return reason switch
        {
            StopReason.Timeout => ended with { Status = TrainingJobStatus.Canceled, ErrorMessage = $"Timed out after {timeout}; the process tree was killed." },
            StopReason.Cancel => ended with { Status = TrainingJobStatus.Canceled, ErrorMessage = "Canceled on request; the process tree was killed." },
            StopReason.HostStopping => ended with { Status = TrainingJobStatus.Failed, ErrorMessage = "The host stopped while the job was running; the process tree was killed. Submit it under a new name to run it again." },
            _ when exitCode is null => ended with { Status = TrainingJobStatus.Failed, ErrorMessage = "The trainer process could not be watched to its end." },
            // Another runner killed it after marking the cancel request.
            _ when record.Status == TrainingJobStatus.CancelRequested && exitCode != 0 => ended with { Status = TrainingJobStatus.Canceled, ErrorMessage = "Canceled on request; the process tree was killed." },
            _ when exitCode == 0 => ended with { Status = TrainingJobStatus.Completed, ErrorMessage = null },
            _ => ended with { Status = TrainingJobStatus.Failed, ErrorMessage = FailureMessage(record, exitCode!.Value) },
        };
    }

    private string FailureMessage(LocalJobRecord record, int exitCode)
    {
        var lines = LogTail.LastLines(record.LogPath, _options.ErrorLogLines);
        var header = $"The trainer exited with code {exitCode}.";
        return lines.Count == 0
            ? $"{header} It wrote nothing to {record.LogPath}."
            : $"{header} Last {lines.Count} lines of {record.LogPath}:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }

    private async Task<LocalJobRecord> ResolveOrphanAsync(string name, bool cancelRequested, CancellationToken cancellationToken) =>
        await UpdateAsync(name, record =>
        {
            if (record.Status.IsTerminal() || _running.ContainsKey(name) || IsLive(record.Host)) return record;

            var process = record.ProcessId switch
            {
                null => " before its trainer process started",
                { } pid when record.ProcessStartTimeUtc is { } start && ProcessProbe.KillTree(pid, start) =>
                    $"; its trainer process (pid {pid}) was still running and has been killed, since its output could no longer be captured",
                { } pid => $"; its trainer process (pid {pid}) is gone",
            };
            var canceled = cancelRequested || record.Status == TrainingJobStatus.CancelRequested;
            _logger.LogWarning("Local training job {JobName} lost its host (process {HostProcessId})", name, record.Host.ProcessId);
            return record with
            {
                Status = canceled ? TrainingJobStatus.Canceled : TrainingJobStatus.Failed,
                EndedAtUtc = DateTimeOffset.UtcNow,
                ErrorMessage = canceled
                    ? $"Canceled on request after the host that ran it (pid {record.Host.ProcessId}) stopped{process}."
                    : $"The host that ran this job (pid {record.Host.ProcessId}) stopped while the job was {record.Status}{process}. "
                      + "The local runner runs a job at most once per name: submit it under a new name to run it again.",
            };
        }, cancellationToken).ConfigureAwait(false);

    private async Task<LocalJobRecord> UpdateAsync(string name, Func<LocalJobRecord, LocalJobRecord> change, CancellationToken cancellationToken)
    {
        using (await _store.LockAsync(name, cancellationToken).ConfigureAwait(false))
        {
            var current = _store.Read(name) ?? throw new TrainingJobNotFoundException(name, $"local root '{_paths.Root}'");
            var next = change(current);
            if (!ReferenceEquals(next, current)) _store.Write(next);
            return next;
        }
    }

    private static bool IsLive(LocalHostIdentity host) =>
        LiveInstances.ContainsKey(host.InstanceId)
        || (host.ProcessId != Environment.ProcessId && ProcessProbe.IsRunning(host.ProcessId, host.ProcessStartTimeUtc));

    private LocalJobRecord ReadExisting(string name)
    {
        ThrowIfBadName(name);
        return _store.Read(name) ?? throw new TrainingJobNotFoundException(name, $"local root '{_paths.Root}'");
    }

    private static void ThrowIfBadName(string name)
    {
        if (TrainingJobName.Explain(name) is { } problem)
        {
            throw new TrainingJobValidationException(name ?? "", [new TrainingJobProblem("name", problem)]);
        }
    }

    /// <summary>Checks the spec against this machine and, when it passes, works out what to run.</summary>
    private (IReadOnlyList<TrainingJobProblem> Problems, LaunchPlan? Plan) Plan(TrainingJobSpec spec)
    {
        var problems = TrainingJobSpecValidator.Validate(spec).ToList();
        var executable = ResolveExecutable(spec, problems);

        var paths = new Dictionary<Placeholder, string>();
        foreach (var (name, input) in spec.Inputs ?? new Dictionary<string, TrainingJobInput>())
        {
            if (ResolveData($"inputs.{name}", input?.Uri, problems) is not { } path) continue;
            var problem = input!.Kind switch
            {
                TrainingDataKind.UriFile when File.Exists(path) => null,
                TrainingDataKind.UriFolder when Directory.Exists(path) => null,
                TrainingDataKind.UriFile when Directory.Exists(path) => $"'{input.Uri}' resolves to the folder '{path}', but the input is declared a file (UriFile)",
                TrainingDataKind.UriFolder when File.Exists(path) => $"'{input.Uri}' resolves to the file '{path}', but the input is declared a folder (UriFolder)",
                _ => $"'{input.Uri}' resolves to '{path}', which does not exist",
            };
            if (problem is null) paths[new Placeholder(PlaceholderKind.Inputs, name)] = path;
            else problems.Add(new($"inputs.{name}", problem));
        }

        var outputs = new Dictionary<string, LocalJobOutput>(StringComparer.Ordinal);
        foreach (var (name, output) in spec.Outputs ?? new Dictionary<string, TrainingJobOutput>())
        {
            if (ResolveData($"outputs.{name}", output?.Uri, problems) is not { } path) continue;
            var folder = output!.Kind == TrainingDataKind.UriFile ? Path.GetDirectoryName(path)! : path;
            if (WriteProblem(folder) is { } problem)
            {
                problems.Add(new($"outputs.{name}", $"'{output.Uri}' resolves to '{path}', which is not writable: {problem}"));
                continue;
            }
            paths[new Placeholder(PlaceholderKind.Outputs, name)] = path;
            outputs[name] = new LocalJobOutput(output.Uri, output.Kind, path);
        }

        if (problems.Count > 0 || executable is null) return (problems, null);
        var arguments = spec.Arguments.Select(a => CommandTemplate.Substitute(a, p => paths[p])).ToList();
        return (problems, new LaunchPlan(executable, arguments, outputs));
    }

    private string? ResolveExecutable(TrainingJobSpec spec, List<TrainingJobProblem> problems)
    {
        var environment = spec.Environment;
        if (!string.IsNullOrWhiteSpace(environment) && !IsAzureMlEnvironment(environment))
        {
            return ExecutableLocator.Find(environment) ?? Problem("environment", $"the executable '{environment}' does not exist");
        }
        if (_options.TrainerExecutable is { } trainer)
        {
            return ExecutableLocator.Find(trainer) ?? Problem("environment", $"the configured trainer executable '{trainer}' does not exist");
        }
        if (string.IsNullOrWhiteSpace(spec.Command)) return null;
        return ExecutableLocator.Find(spec.Command) ?? Problem("command", $"'{spec.Command}' is neither a file nor a program on PATH");

        string? Problem(string field, string message)
        {
            problems.Add(new(field, message));
            return null;
        }
    }

    private static bool IsAzureMlEnvironment(string environment) =>
        environment.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) || environment.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The local path of a data URI; null when the URI is unusable (reported here unless the spec check already did).</summary>
    private string? ResolveData(string field, string? uri, List<TrainingJobProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(uri) || TrainingUri.SchemeOf(uri) is not { } scheme || !TrainingUri.SupportedSchemes.Contains(scheme)) return null;
        var (path, problem) = _paths.Resolve(uri);
        if (problem is not null) problems.Add(new(field, problem));
        return path;
    }

    private static string? WriteProblem(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    private sealed record LaunchPlan(string Executable, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, LocalJobOutput> Outputs);

    private enum StopReason
    {
        None,
        Timeout,
        Cancel,
        HostStopping,
    }

    /// <summary>A job this runner started and watches until it ends.</summary>
    private sealed class RunningJob : IDisposable
    {
        private readonly CancellationTokenSource _timeout;
        private readonly CancellationTokenSource _stop = new();
        private readonly CancellationTokenSource _either;
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reason;

        public RunningJob(string name, LocalJobProcess process, TimeSpan timeout)
        {
            Name = name;
            Process = process;
            _timeout = new CancellationTokenSource(timeout);
            _either = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token, _stop.Token);
        }

        public string Name { get; }

        public LocalJobProcess Process { get; }

        /// <summary>Fires on timeout or on a stop request.</summary>
        public CancellationToken Token => _either.Token;

        /// <summary>Why the job was stopped: the first stop request wins, else the timeout.</summary>
        public StopReason Reason => Volatile.Read(ref _reason) is var r and not 0 ? (StopReason)r : StopReason.Timeout;

        public Task Finished => _finished.Task;

        public void Stop(StopReason reason)
        {
            Interlocked.CompareExchange(ref _reason, (int)reason, 0);
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The job ended meanwhile; there is nothing left to stop.
            }
        }

        public void MarkFinished() => _finished.TrySetResult();

        public void Dispose()
        {
            Process.Dispose();
            _either.Dispose();
            _timeout.Dispose();
            _stop.Dispose();
        }
    }
}
