namespace Serverless.Hosting.Tests;

/// <summary>
/// A clock the test moves by hand. Timers (and so <c>Task.Delay(..., timeProvider)</c>) fire when the
/// clock is moved past their due time, on the thread that moved it.
/// </summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;
    private TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>How many timers wait for the clock to move.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate) return _timers.Count(t => t.DueAt is not null);
        }
    }

    /// <summary>Completes when a timer is created or re-armed after this call.</summary>
    public Task NextTimerCreated()
    {
        lock (_gate) return _timerCreated.Task;
    }

    public void Advance(TimeSpan by) => SetUtcNow(GetUtcNow() + by);

    public void SetUtcNow(DateTimeOffset now)
    {
        List<ManualTimer> due;
        lock (_gate)
        {
            if (now < _now) throw new ArgumentOutOfRangeException(nameof(now), "The clock only moves forward.");
            _now = now;
            due = _timers.Where(t => t.DueAt is { } at && at <= now).OrderBy(t => t.DueAt).ToList();
            foreach (var timer in due)
            {
                timer.Rearm(now);
                if (timer.DueAt is null) _timers.Remove(timer);
            }
        }
        foreach (var timer in due) timer.Fire();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Arm(ManualTimer timer)
    {
        TaskCompletionSource created;
        lock (_gate)
        {
            if (!_timers.Contains(timer)) _timers.Add(timer);
            created = _timerCreated;
            _timerCreated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        created.TrySetResult();
    }

    private void Remove(ManualTimer timer)
    {
        lock (_gate) _timers.Remove(timer);
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                DueAt = null;
                clock.Remove(this);
                return true;
            }
            DueAt = clock.GetUtcNow() + dueTime;
            clock.Arm(this);
            if (dueTime == TimeSpan.Zero) clock.SetUtcNow(clock.GetUtcNow());
            return true;
        }

        /// <summary>Called under the clock's lock: the next due time, or none for a one-shot timer.</summary>
        public void Rearm(DateTimeOffset now) =>
            DueAt = _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : now + _period;

        public void Fire() => callback(state);

        public void Dispose()
        {
            DueAt = null;
            clock.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
