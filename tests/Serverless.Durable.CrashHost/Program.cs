using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;

if (args.Length == 4 && args[0] == "differential")
{
    return await Serverless.Durable.Differential.DiffCrashHost.RunAsync(args[1], args[2], args[3]);
}

// Usage: CrashHost DATABASE EXECUTION_LOG ACTIVITY_COUNT
//    or: CrashHost differential DATABASE ATTEMPTS_FILE PROGRAMS_FILE (see DiffCrashHost)
// Runs (or resumes) the instance "crash-fan-out" to completion and prints its output. Every activity
// execution appends its input to EXECUTION_LOG before doing its work, so the test can count executions.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: CrashHost DATABASE EXECUTION_LOG ACTIVITY_COUNT");
    return 2;
}

var (database, executionLog, count) = (args[0], args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
var logLock = new Lock();
using var log = new StreamWriter(new FileStream(executionLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };

var registry = new DurableTaskRegistry()
    .AddActivityFunc<int, long>("Work", async (_, input) =>
    {
        lock (logLock) log.WriteLine(input);
        await Task.Delay(3);
        return (long)input * input;
    })
    .AddOrchestratorFunc<int, long>("FanOut", async (ctx, n) =>
    {
        var results = await Task.WhenAll(Enumerable.Range(0, n).Select(i => ctx.CallActivityAsync<long>("Work", i)));
        return results.Sum();
    });

await using var engine = new EmbeddedEngine(registry, new EmbeddedEngineOptions
{
    DatabasePath = database,
    WorkerId = "crash-host",
    MaxConcurrentActivities = 8,
    ActivityPrefetch = 16,
    PollInterval = TimeSpan.FromMilliseconds(50),
});
await engine.StartAsync();

const string InstanceId = "crash-fan-out";
if (await engine.Client.GetInstanceAsync(InstanceId, true) is null)
{
    await engine.Client.ScheduleNewOrchestrationInstanceAsync("FanOut", count, new StartOrchestrationOptions(InstanceId));
}
var result = await engine.Client.WaitForInstanceCompletionAsync(InstanceId, true);
Console.WriteLine($"{result.RuntimeStatus} {result.SerializedOutput}");
return result.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? 0 : 1;
