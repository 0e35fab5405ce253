using System.Globalization;
using Azure.Data.Tables;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Durable;
using Serverless.Durable.AzureStorage;

// Usage: ScaleOutHost CONNECTION_STRING TASK_HUB WORKER_ID MAX_CONCURRENT_ACTIVITIES
// One worker on the task hub; several share it. Prints "ready" once it dispatches and stops when standard input
// closes. Orchestrations:
//   RecordedFanOut(n): n "Recorded" activities in parallel; activity i appends a row (partition = instance id,
//     row = i and a fresh id, with this worker's id and process id) to the table ExecutionTable before returning
//     i*i, so a test can count the executions of each activity; returns the sum.
//   CountedFanOut(n) / CountedSequence(n): n "WhoRuns" activities in parallel / one after another; each returns
//     the worker that ran it, and the orchestration returns the count per worker.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: ScaleOutHost CONNECTION_STRING TASK_HUB WORKER_ID MAX_CONCURRENT_ACTIVITIES");
    return 2;
}

var (connectionString, taskHub, workerId) = (args[0], args[1], args[2]);
var maxActivities = int.Parse(args[3], CultureInfo.InvariantCulture);
const string ExecutionTable = "scaleoutexecutions";
var executions = new TableClient(connectionString, ExecutionTable);
await executions.CreateIfNotExistsAsync();

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<DataConverter>(DurableJson.Converter);
builder.Services.AddAzureStorageDurableTask(registry => registry
    .AddActivityFunc<int, long>("Recorded", async (ctx, i) =>
    {
        await executions.AddEntityAsync(new TableEntity(ctx.InstanceId, $"{i:D6}-{Guid.NewGuid():N}")
        {
            ["Activity"] = i,
            ["Worker"] = workerId,
            ["ProcessId"] = Environment.ProcessId,
        });
        return (long)i * i;
    })
    .AddOrchestratorFunc<int, long>("RecordedFanOut", async (ctx, n) =>
    {
        var results = await Task.WhenAll(Enumerable.Range(0, n).Select(i => ctx.CallActivityAsync<long>("Recorded", i)));
        return results.Sum();
    })
    .AddActivityFunc<int, string>("WhoRuns", (_, _) => workerId)
    .AddOrchestratorFunc<int, Dictionary<string, int>>("CountedFanOut", async (ctx, n) =>
    {
        var workers = await Task.WhenAll(Enumerable.Range(0, n).Select(i => ctx.CallActivityAsync<string>("WhoRuns", i)));
        return workers.GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    })
    .AddOrchestratorFunc<int, Dictionary<string, int>>("CountedSequence", async (ctx, n) =>
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            var worker = await ctx.CallActivityAsync<string>("WhoRuns", i);
            counts[worker] = counts.GetValueOrDefault(worker) + 1;
        }
        return counts;
    }),
    options =>
    {
        options.ConnectionString = connectionString;
        options.TaskHubName = taskHub;
        options.WorkerId = workerId;
        options.PartitionCount = 4;
        options.MaxConcurrentActivities = maxActivities;
        options.MaxQueuePollingInterval = TimeSpan.FromMilliseconds(200);
        // Short enough that a killed worker's partitions and messages move within seconds.
        options.LeaseInterval = TimeSpan.FromSeconds(6);
        options.MessageVisibilityTimeout = TimeSpan.FromSeconds(10);
    });

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("ready");
await Console.In.ReadToEndAsync();
await host.StopAsync();
return 0;
