using System.Text.RegularExpressions;

namespace Serverless.Durable.AzureStorage;

/// <summary>
/// <c>Serverless:Engine:AzureStorage:*</c>: where the task hub lives and how much one worker process takes on.
/// Several worker processes (on one machine or many) given the same account and task hub share its work.
/// </summary>
public sealed partial class AzureStorageEngineOptions
{
    public const string Section = "Serverless:Engine:AzureStorage";

    /// <summary>A storage connection string (<c>UseDevelopmentStorage=true</c> for Azurite); or leave it empty and set <see cref="AccountName"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A storage account reached with the managed identity (DefaultAzureCredential) when no connection string is set.</summary>
    public string? AccountName { get; set; }

    /// <summary>The task hub: the queues, tables and blob containers are named after it (3 to 45 letters and digits, a letter first).</summary>
    public string TaskHubName { get; set; } = "serverless";

    /// <summary>Control queues; orchestrations are spread over them and each worker leases some (1 to 16).</summary>
    public int PartitionCount { get; set; } = 4;

    public int MaxConcurrentActivities { get; set; } = Environment.ProcessorCount * 8;

    public int MaxConcurrentOrchestrations { get; set; } = Environment.ProcessorCount * 4;

    /// <summary>The longest wait between polls of an idle queue; lower reacts faster, higher costs fewer transactions.</summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>This worker's name in partition leases; the machine and process by default.</summary>
    public string? WorkerId { get; set; }

    /// <summary>
    /// How long a worker's claim on a partition lasts without renewal: after a worker dies, another takes its
    /// partitions once this runs out. Renewal and rebalancing run at a third of it. Empty: the library's 30 s.
    /// </summary>
    public TimeSpan? LeaseInterval { get; set; }

    /// <summary>
    /// How long a dequeued message stays hidden: work a dead worker had taken is offered again after this.
    /// Empty: the library's 5 minutes.
    /// </summary>
    public TimeSpan? MessageVisibilityTimeout { get; set; }

    /// <summary>How long starting may wait for the account before it is reported unreachable.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Every problem with these settings, each naming its setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(AccountName))
            problems.Add($"{Section}:ConnectionString or {Section}:AccountName must be set (UseDevelopmentStorage=true for Azurite)");
        if (!TaskHubNameRule().IsMatch(TaskHubName ?? ""))
            problems.Add($"{Section}:TaskHubName '{TaskHubName}' is refused by Azure Storage: use 3 to 45 letters and digits, starting with a letter");
        if (PartitionCount is < 1 or > 16) problems.Add($"{Section}:PartitionCount must be 1 to 16, not {PartitionCount}");
        if (MaxConcurrentActivities < 1) problems.Add($"{Section}:MaxConcurrentActivities must be at least 1");
        if (MaxConcurrentOrchestrations < 1) problems.Add($"{Section}:MaxConcurrentOrchestrations must be at least 1");
        if (LeaseInterval is { } lease && lease < TimeSpan.FromSeconds(3)) problems.Add($"{Section}:LeaseInterval must be at least 3 s, not {lease}");
        if (MessageVisibilityTimeout is { } visibility && visibility < TimeSpan.FromSeconds(1))
            problems.Add($"{Section}:MessageVisibilityTimeout must be at least 1 s, not {visibility}");
        return problems;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex TaskHubNameRule();
}
