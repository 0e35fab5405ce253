using Serverless.Durable.Embedded.History;

namespace Serverless.Durable.Embedded.Execution;

/// <summary>Where an orchestration stands after an episode.</summary>
internal enum EpisodeOutcome
{
    /// <summary>Waiting for activities, timers, sub-orchestrations or events.</summary>
    Running,
    Completed,
    Failed,
    ContinuedAsNew,
}

/// <summary>Everything one episode produced: events to append, work to send out, and the new state.</summary>
internal sealed class EpisodeResult
{
    /// <summary>Events to append to history, in order (received events interleaved with the actions they caused).</summary>
    public List<DurableEvent> NewHistory { get; } = [];

    /// <summary>Scheduling events the engine turns into work items, timers, sub-orchestrations and sent events.</summary>
    public List<DurableEvent> Actions { get; } = [];

    public EpisodeOutcome Outcome { get; set; } = EpisodeOutcome.Running;

    public string? Output { get; set; }

    public StoredFailure? Failure { get; set; }

    public string? CustomStatus { get; set; }

    /// <summary>For <see cref="EpisodeOutcome.ContinuedAsNew"/>: the next execution's input.</summary>
    public string? NewInput { get; set; }

    /// <summary>For <see cref="EpisodeOutcome.ContinuedAsNew"/>: the version the next execution runs as.</summary>
    public string? NewVersion { get; set; }

    /// <summary>For <see cref="EpisodeOutcome.ContinuedAsNew"/>: events received but not consumed, in arrival order.</summary>
    public List<(string Name, string? Data)> CarriedOverEvents { get; } = [];
}
