using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

// Shared by the differential test, the crash host and the benchmark (linked source): the program model, the
// seeded generator, the one interpreter orchestrator + activity every engine runs, and the event driver.
namespace Serverless.Durable.Differential;

public enum StepKind { Activity, FanOut, Timer, WaitEvent, SubOrchestration, CustomStatus, LargePayload, Throw }

/// <summary>How a wait's event arrives: raised right after start, raised once the wait is reached, or never (timeout fires).</summary>
public enum EventMode { Before, After, BeforeWithTimeout, AfterWithTimeout, TimeoutFires }

public sealed class Step
{
    public StepKind Kind { get; set; }
    public int Value { get; set; }
    /// <summary>The activity fails its first N attempts (<see cref="DiffInterpreter.Always"/>: every attempt).</summary>
    public int FailTimes { get; set; }
    /// <summary>0: no retry policy; otherwise the RetryPolicy's max number of attempts.</summary>
    public int MaxAttempts { get; set; }
    public bool Catch { get; set; }
    public int Count { get; set; }
    public int DelayMs { get; set; }
    public EventMode Mode { get; set; }
    /// <summary>Number of the wait point in the whole program (all rounds), what the driver waits for.</summary>
    public int WaitIndex { get; set; }
    public int PayloadChars { get; set; }
    public bool LargeInput { get; set; }
    public string? Text { get; set; }
    public DiffProgram? Sub { get; set; }
}

public sealed class DiffProgram
{
    public int Seed { get; set; }
    /// <summary>One list of steps per execution: round r ends with ContinueAsNew into round r+1.</summary>
    public List<List<Step>> Rounds { get; set; } = [];
    public bool LargeOutput { get; set; }
    /// <summary>Extra padding in the (sub-)orchestration input, to cross the payload threshold.</summary>
    public int InputPadChars { get; set; }

    public IEnumerable<Step> TopLevelWaits() => Rounds.SelectMany(r => r).Where(s => s.Kind == StepKind.WaitEvent);

    public string Describe() => JsonSerializer.Serialize(this, DiffJson.Options);
}

/// <summary>The custom status every program keeps: round, last wait point reached, the user's text.</summary>
public sealed class DiffStatus
{
    public int Round { get; set; }
    public int Wait { get; set; } = -1;
    public string? User { get; set; }
}

public sealed class RunInput
{
    public DiffProgram Program { get; set; } = new();
    public int Round { get; set; }
    public List<string> Trace { get; set; } = [];
    public DiffStatus Status { get; set; } = new();
    /// <summary>Distinguishes one engine's run from another's in attempt counters; never appears in output.</summary>
    public string Tag { get; set; } = "";
    public string Path { get; set; } = "p";
    public string? Pad { get; set; }
}

public sealed class ActivityInput
{
    public string Key { get; set; } = "";
    public string Path { get; set; } = "";
    public int Value { get; set; }
    public int FailTimes { get; set; }
    public int PayloadChars { get; set; }
    public string? Pad { get; set; }
}

public static class DiffJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault,
    };
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;
}

/// <summary>
/// Switches for the generator. The two boolean switches cover defects the generator found and the engine has since
/// fixed (issue 12 §4); they are on by default so the programs keep exercising those paths.
/// </summary>
public sealed class GeneratorOptions
{
    public int MaxSteps { get; set; } = 6;
    public int MaxFanOut { get; set; } = 5;
    public int MaxDepth { get; set; } = 2;
    public int MaxRounds { get; set; } = 3;
    public int MaxDelayMs { get; set; } = 120;
    /// <summary>Chars of a large payload: above EmbeddedEngineOptions.LargePayloadThresholdChars (64 Ki by default).</summary>
    public int LargeChars { get; set; } = 64 * 1024 + 1000;

    /// <summary>Sub-orchestration inputs/outputs and event payloads above the
    /// reference threshold, i.e. large payloads that travel between instances.</summary>
    public bool LargeCrossInstancePayloads { get; set; } = true;

    /// <summary>Continue-as-new while the execution still has a pending timer
    /// (a wait with timeout satisfied by its event) in a round that is not the last.</summary>
    public bool ContinueAsNewWithPendingTimers { get; set; } = true;
}

public static class DiffGenerator
{
    public static DiffProgram Generate(int seed, GeneratorOptions? options = null)
    {
        var o = options ?? new GeneratorOptions();
        var random = new Random(seed);
        var waits = 0;
        var program = Build(random, o, depth: 0, ref waits);
        program.Seed = seed;
        return program;
    }

    private static DiffProgram Build(Random r, GeneratorOptions o, int depth, ref int waits)
    {
        var program = new DiffProgram();
        var rounds = r.Next(4) == 0 ? r.Next(2, o.MaxRounds + 1) : 1;
        for (var round = 0; round < rounds; round++)
        {
            var last = round == rounds - 1;
            var steps = new List<Step>();
            var count = r.Next(1, o.MaxSteps + 1);
            for (var i = 0; i < count; i++) steps.Add(BuildStep(r, o, depth, round, last, ref waits));
            program.Rounds.Add(steps);
        }
        if (r.Next(12) == 0) program.LargeOutput = depth == 0 || o.LargeCrossInstancePayloads;
        return program;
    }

    private static Step BuildStep(Random r, GeneratorOptions o, int depth, int round, bool lastRound, ref int waits)
    {
        var pick = r.Next(100);
        if (pick < 22) return Activity(r, o, new Step { Kind = StepKind.Activity, Value = r.Next(1000) });
        if (pick < 36) return Activity(r, o, new Step { Kind = StepKind.FanOut, Value = r.Next(1000), Count = r.Next(1, o.MaxFanOut + 1) });
        if (pick < 46) return new Step { Kind = StepKind.Timer, DelayMs = r.Next(0, o.MaxDelayMs + 1) };
        if (pick < 62)
        {
            EventMode mode;
            if (depth > 0) mode = EventMode.TimeoutFires; // the driver raises events at the top-level instance only
            else
            {
                var modes = new List<EventMode> { EventMode.After, EventMode.TimeoutFires, EventMode.AfterWithTimeout };
                if (round == 0) modes.AddRange([EventMode.Before, EventMode.BeforeWithTimeout]);
                if (!lastRound && !o.ContinueAsNewWithPendingTimers)
                {
                    modes.Remove(EventMode.AfterWithTimeout);
                    modes.Remove(EventMode.BeforeWithTimeout);
                }
                mode = modes[r.Next(modes.Count)];
            }
            return new Step
            {
                Kind = StepKind.WaitEvent,
                Mode = mode,
                WaitIndex = waits++,
                DelayMs = mode == EventMode.TimeoutFires ? r.Next(20, o.MaxDelayMs + 20) : 0,
                PayloadChars = depth == 0 && o.LargeCrossInstancePayloads && r.Next(5) == 0 ? o.LargeChars : 0,
            };
        }
        if (pick < 72 && depth < o.MaxDepth)
        {
            var ignored = 0;
            var sub = Build(r, o, depth + 1, ref ignored);
            if (o.LargeCrossInstancePayloads && r.Next(5) == 0) sub.InputPadChars = o.LargeChars;
            return new Step { Kind = StepKind.SubOrchestration, Sub = sub, Catch = r.Next(2) == 0 };
        }
        if (pick < 84) return new Step { Kind = StepKind.CustomStatus, Text = "s" + r.Next(10_000).ToString(CultureInfo.InvariantCulture) };
        if (pick < 96) return new Step { Kind = StepKind.LargePayload, Value = r.Next(1000), PayloadChars = o.LargeChars, LargeInput = r.Next(2) == 0 };
        return new Step { Kind = StepKind.Throw };
    }

    private static Step Activity(Random r, GeneratorOptions o, Step step)
    {
        switch (r.Next(6))
        {
            case 0: // retried, eventually succeeds
                step.MaxAttempts = r.Next(2, 4);
                step.FailTimes = r.Next(1, step.MaxAttempts);
                break;
            case 1: // retried, always fails
                step.MaxAttempts = r.Next(2, 4);
                step.FailTimes = DiffInterpreter.Always;
                break;
            case 2: // fails once, no retry
                step.FailTimes = DiffInterpreter.Always;
                break;
        }
        step.Catch = step.FailTimes > 0 && r.Next(3) != 0;
        return step;
    }
}

/// <summary>The one orchestrator and activity all engines run: they execute a serialized program.</summary>
public static class DiffInterpreter
{
    public const string OrchestratorName = "DiffInterpreter";
    public const string ActivityName = "DiffActivity";
    public const int Always = 1_000_000;

    /// <summary>Returns the attempt number (1-based) of one activity step. In memory by default; the crash host keeps it in a file.</summary>
    public static Func<string, int> NextAttempt { get; set; } = InMemoryAttempts.Next;

    public static void Register(DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<string, string>(OrchestratorName, RunAsync);
        registry.AddActivityFunc<string, string>(ActivityName, (_, input) => Task.FromResult(Activity(input)));
    }

    public static string Activity(string json)
    {
        var input = DiffJson.Read<ActivityInput>(json);
        var attempt = NextAttempt(input.Key);
        if (attempt <= input.FailTimes) throw new InvalidOperationException($"activity {input.Path} failed on purpose");
        var result = (input.Value * 7919 % 10_007 + (input.Pad?.Length ?? 0)).ToString(CultureInfo.InvariantCulture);
        return input.PayloadChars > 0 ? Payload(input.Value, input.PayloadChars) : result;
    }

    public static string Payload(int seed, int chars)
    {
        var builder = new StringBuilder(chars);
        var x = (uint)seed * 2654435761u + 1;
        while (builder.Length < chars)
        {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            builder.Append((char)('a' + (x % 26)));
        }
        return builder.ToString();
    }

    public static string Digest(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text) hash = (hash ^ c) * 16777619u;
        return text.Length.ToString(CultureInfo.InvariantCulture) + "#" + hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    public static async Task<string> RunAsync(TaskOrchestrationContext ctx, string json)
    {
        var input = DiffJson.Read<RunInput>(json);
        var trace = input.Trace;
        var status = input.Status;
        status.Round = input.Round;
        ctx.SetCustomStatus(status);
        var steps = input.Program.Rounds[input.Round];
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var path = $"{input.Path}.r{input.Round}.{i}";
            switch (step.Kind)
            {
                case StepKind.Activity:
                    trace.Add("a:" + await CallAsync(ctx, input.Tag, step, path, step.Value, step.FailTimes, 0, null));
                    break;
                case StepKind.FanOut:
                    var branches = Enumerable.Range(0, step.Count)
                        .Select(j => CallAsync(ctx, input.Tag, step, path + "." + j.ToString(CultureInfo.InvariantCulture), step.Value + j,
                            j == 0 ? step.FailTimes : 0, 0, null))
                        .ToList();
                    trace.Add("f:" + string.Join(",", await Task.WhenAll(branches)));
                    break;
                case StepKind.Timer:
                    await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMilliseconds(step.DelayMs), CancellationToken.None);
                    trace.Add("t");
                    break;
                case StepKind.WaitEvent:
                    status.Wait = step.WaitIndex;
                    ctx.SetCustomStatus(status);
                    trace.Add(await WaitAsync(ctx, step));
                    break;
                case StepKind.SubOrchestration:
                    var subInput = new RunInput
                    {
                        Program = step.Sub!,
                        Tag = input.Tag,
                        Path = path,
                        Pad = step.Sub!.InputPadChars > 0 ? Payload(i, step.Sub.InputPadChars) : null,
                    };
                    try
                    {
                        var result = await ctx.CallSubOrchestratorAsync<string>(OrchestratorName, DiffJson.Write(subInput),
                            new SubOrchestrationOptions { InstanceId = $"{ctx.InstanceId}-{input.Round}-{i}" });
                        trace.Add("s:[" + (result.Length > 4000 ? Digest(result) : result) + "]");
                    }
                    catch (TaskFailedException e) when (step.Catch)
                    {
                        trace.Add($"s-caught:{e.FailureDetails.ErrorType}:{e.FailureDetails.ErrorMessage}");
                    }
                    break;
                case StepKind.CustomStatus:
                    status.User = step.Text;
                    ctx.SetCustomStatus(status);
                    trace.Add("c");
                    break;
                case StepKind.LargePayload:
                    trace.Add("L:" + Digest(await CallAsync(ctx, input.Tag, step, path, step.Value, 0, step.PayloadChars,
                        step.LargeInput ? Payload(step.Value + 1, step.PayloadChars) : null)));
                    break;
                case StepKind.Throw:
                    throw new InvalidOperationException($"program step {path} failed on purpose");
            }
        }

        if (input.Round + 1 < input.Program.Rounds.Count)
        {
            input.Round++;
            ctx.ContinueAsNew(DiffJson.Write(input), preserveUnprocessedEvents: false);
            return "";
        }
        var output = string.Join("|", trace) + (input.Pad is null ? "" : "|pad:" + Digest(input.Pad));
        return input.Program.LargeOutput ? output + "|" + Payload(input.Program.Seed, 70_000) : output;
    }

    private static async Task<string> CallAsync(TaskOrchestrationContext ctx, string tag, Step step, string path, int value,
        int failTimes, int payloadChars, string? pad)
    {
        var activity = new ActivityInput { Key = tag + "/" + path, Path = path, Value = value, FailTimes = failTimes, PayloadChars = payloadChars, Pad = pad };
        var options = step.MaxAttempts > 0
            ? TaskOptions.FromRetryPolicy(new RetryPolicy(step.MaxAttempts, TimeSpan.FromMilliseconds(40)))
            : null;
        try
        {
            return await ctx.CallActivityAsync<string>(ActivityName, DiffJson.Write(activity), options);
        }
        catch (TaskFailedException e) when (step.Catch)
        {
            return $"caught({e.FailureDetails.ErrorType}:{e.FailureDetails.ErrorMessage})";
        }
    }

    private static async Task<string> WaitAsync(TaskOrchestrationContext ctx, Step step)
    {
        var name = EventName(step);
        switch (step.Mode)
        {
            case EventMode.Before:
            case EventMode.After:
                return "e:" + Digest(await ctx.WaitForExternalEvent<string>(name));
            default:
                var timeout = step.Mode == EventMode.TimeoutFires ? TimeSpan.FromMilliseconds(step.DelayMs) : TimeSpan.FromMinutes(5);
                try
                {
                    return "e:" + Digest(await ctx.WaitForExternalEvent<string>(name, timeout));
                }
                catch (TaskCanceledException)
                {
                    return "timeout";
                }
        }
    }

    public static string EventName(Step step) => "E" + step.WaitIndex.ToString(CultureInfo.InvariantCulture);

    public static string EventValue(Step step) =>
        step.PayloadChars > 0 ? Payload(step.WaitIndex, step.PayloadChars) : "v" + step.WaitIndex.ToString(CultureInfo.InvariantCulture);
}

internal static class InMemoryAttempts
{
    private static readonly ConcurrentDictionary<string, int> Counts = new(StringComparer.Ordinal);

    public static int Next(string key) => Counts.AddOrUpdate(key, 1, (_, n) => n + 1);
}

/// <summary>What is compared between engines.</summary>
public sealed record DiffResult(string InstanceId, string Status, string? Output, string? ErrorType, string? ErrorMessage, string? CustomStatus)
{
    public string Describe() =>
        $"status={Status} output={Short(Output)} error={ErrorType}: {Short(ErrorMessage)} customStatus={CustomStatus}";

    /// <summary>Output is compared for completed instances only: for a failed one the real runtime's output field
    /// repeats the error message while the embedded engine leaves it empty (failure details are compared instead).</summary>
    public bool SameAs(DiffResult other) =>
        Status == other.Status && (Status != "Completed" || Output == other.Output) && ErrorType == other.ErrorType && ErrorMessage == other.ErrorMessage
        && CustomStatus == other.CustomStatus;

    private static string? Short(string? text) => text is { Length: > 600 } ? text[..600] + $"...({text.Length} chars)" : text;
}

/// <summary>Starts a program on any engine's client and raises its events as the program says.</summary>
public static class DiffDriver
{
    public static string InputFor(DiffProgram program, string tag) => DiffJson.Write(new RunInput { Program = program, Tag = tag });

    public static async Task<DiffResult> RunAsync(DurableTaskClient client, DiffProgram program, string instanceId, string tag,
        TimeSpan deadline, bool resume = false)
    {
        using var timeout = new CancellationTokenSource(deadline);
        var token = timeout.Token;
        if (!resume || await client.GetInstanceAsync(instanceId, false, token) is null)
        {
            // The tag keys the activities' attempt counters: it names the instance, so that programs running side by
            // side never share a counter (two programs with a failing activity at the same path once did, and one
            // of them saw no failure where the other saw two).
            await client.ScheduleNewOrchestrationInstanceAsync(DiffInterpreter.OrchestratorName, InputFor(program, tag + "/" + instanceId),
                new StartOrchestrationOptions(instanceId), token);
        }
        var waits = program.TopLevelWaits().ToList();
        foreach (var wait in waits.Where(w => w.Mode is EventMode.Before or EventMode.BeforeWithTimeout))
        {
            await RaiseUnlessFinishedAsync(client, instanceId, wait, token);
        }
        foreach (var wait in waits.Where(w => w.Mode is EventMode.After or EventMode.AfterWithTimeout))
        {
            // The real signal: the program's custom status says it reached this wait point (or it ended before).
            while (true)
            {
                var metadata = await client.GetInstanceAsync(instanceId, true, token);
                if (metadata is null) throw new InvalidOperationException($"instance {instanceId} vanished");
                if (IsTerminal(metadata.RuntimeStatus)) break;
                var status = metadata.SerializedCustomStatus is { } s ? ReadStatus(s) : null;
                if (status is not null && status.Wait >= wait.WaitIndex)
                {
                    await RaiseUnlessFinishedAsync(client, instanceId, wait, token);
                    break;
                }
                await Task.Delay(15, token);
            }
        }
        try
        {
            var final = await client.WaitForInstanceCompletionAsync(instanceId, true, token);
            return ToResult(final);
        }
        catch (OperationCanceledException)
        {
            var last = await client.GetInstanceAsync(instanceId, true, CancellationToken.None);
            throw new TimeoutException($"{instanceId} did not finish within {deadline.TotalSeconds:F0} s on {client.GetType().Name}; " +
                $"last status {last?.RuntimeStatus}, custom status {last?.SerializedCustomStatus}");
        }
    }

    private static async Task RaiseUnlessFinishedAsync(DurableTaskClient client, string instanceId, Step wait, CancellationToken token)
    {
        try
        {
            await client.RaiseEventAsync(instanceId, DiffInterpreter.EventName(wait), DiffInterpreter.EventValue(wait), token);
        }
        catch (Exception)
        {
            // The instance may have finished already (a program that throws at once, a wait whose timeout fired, one
            // resumed after a kill): the embedded client refuses events for a finished instance, the real one drops them.
            if (await client.GetInstanceAsync(instanceId, false, token) is not { } m || !IsTerminal(m.RuntimeStatus)) throw;
        }
    }

    public static bool IsTerminal(OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;

    public static DiffResult ToResult(OrchestrationMetadata m)
    {
        var output = m.SerializedOutput;
        if (output is not null && output.StartsWith('"')) output = JsonSerializer.Deserialize<string>(output);
        var custom = m.SerializedCustomStatus is null ? null : DiffJson.Write(ReadStatus(m.SerializedCustomStatus));
        return new DiffResult(m.InstanceId, m.RuntimeStatus.ToString(), output, m.FailureDetails?.ErrorType, m.FailureDetails?.ErrorMessage, custom);
    }

    private static DiffStatus? ReadStatus(string serialized) => JsonSerializer.Deserialize<DiffStatus>(serialized, DiffJson.Options);
}
