namespace Serverless.Durable.Embedded;

/// <summary>Work still queued in the engine's database.</summary>
public sealed record PendingWork(int ReadyMessages, int Activities, DateTime? NextTimerDue)
{
    /// <summary>True when nothing can happen until a timer fires or an event arrives.</summary>
    public bool IsIdle => ReadyMessages == 0 && Activities == 0;
}
