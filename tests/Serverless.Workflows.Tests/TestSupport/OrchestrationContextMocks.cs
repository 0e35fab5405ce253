using System.Runtime.CompilerServices;
using Microsoft.DurableTask;
using Moq;

namespace Serverless.Workflows.Tests.TestSupport;

/// <summary>What happens to one wait for an external event: the event arrives with a value, or the deadline passes first.</summary>
internal sealed record EventOutcome<T>(bool Arrived, T? Value)
{
    public static EventOutcome<T> Arrives(T value) => new(true, value);

    public static EventOutcome<T> TimesOut { get; } = new(false, default);
}

/// <summary>
/// Set-ups for event waits with a deadline on a mocked <see cref="TaskOrchestrationContext"/>.
/// <c>WaitForExternalEvent&lt;T&gt;(name, timeout)</c> cannot be mocked (it is not virtual): the base class
/// creates a timer with <c>CreateTimer(timeout, token)</c> (which asks <c>CreateTimer(CurrentUtcDateTime +
/// timeout, token)</c>), then waits with <c>WaitForExternalEvent&lt;T&gt;(name, token)</c>, and cancels the token
/// of whichever loses; when the timer wins, awaiting the cancelled event throws <see cref="TaskCanceledException"/>.
/// These set-ups answer those two abstract calls so that each side behaves that way, and the timer's
/// <c>fireAt</c> stays visible for tests that check the deadline.
/// </summary>
/// <remarks>
/// A timer with a token that can be cancelled is taken for the deadline of the event wait that follows it;
/// the orchestrators' own timers pass <see cref="CancellationToken.None"/> and keep their own set-ups.
/// </remarks>
internal static class OrchestrationContextMocks
{
    private static readonly ConditionalWeakTable<Mock<TaskOrchestrationContext>, DeadlineTimers> Timers = new();

    /// <summary>Every wait for <paramref name="name"/> receives <paramref name="value"/> before its deadline.</summary>
    public static void SetupEvent<T>(this Mock<TaskOrchestrationContext> context, string name, T value) =>
        context.SetupEventWaits(name, _ => EventOutcome<T>.Arrives(value));

    /// <summary>No <paramref name="name"/> event arrives: every wait for it reaches its deadline.</summary>
    public static void SetupEventTimeout<T>(this Mock<TaskOrchestrationContext> context, string name) =>
        context.SetupEventWaits(name, _ => EventOutcome<T>.TimesOut);

    /// <summary>Each wait for <paramref name="name"/> asks <paramref name="answer"/>, given the wait's timeout, what happens to it.</summary>
    public static void SetupEventWaits<T>(this Mock<TaskOrchestrationContext> context, string name, Func<TimeSpan, EventOutcome<T>> answer)
    {
        var timers = Timers.GetValue(context, DeadlineTimers.SetUp);
        context.Setup(c => c.WaitForExternalEvent<T>(name, It.IsAny<CancellationToken>()))
            .Returns<string, CancellationToken>((_, token) =>
            {
                var deadline = timers.Take(name);
                var outcome = answer(deadline.Timeout);
                if (outcome.Arrived) return Task.FromResult(outcome.Value!); // the timer loses: its token cancels it
                deadline.Fire();
                return CanceledBy<T>(token); // the event loses
            });
    }

    /// <summary>A task that never completes on its own and is cancelled when <paramref name="token"/> is.</summary>
    private static Task<T> CanceledBy<T>(CancellationToken token)
    {
        var pending = new TaskCompletionSource<T>();
        token.Register(() => pending.TrySetCanceled(token));
        return pending.Task;
    }

    /// <summary>The deadline timer of the event wait in progress on one mock.</summary>
    private sealed class DeadlineTimers
    {
        private Deadline? _pending;

        public static DeadlineTimers SetUp(Mock<TaskOrchestrationContext> context)
        {
            var timers = new DeadlineTimers();
            context.Setup(c => c.CreateTimer(It.IsAny<TimeSpan>(), It.Is<CancellationToken>(t => t.CanBeCanceled))).CallBase();
            context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.Is<CancellationToken>(t => t.CanBeCanceled)))
                .Returns<DateTime, CancellationToken>((fireAt, token) =>
                {
                    timers._pending = new Deadline(fireAt - context.Object.CurrentUtcDateTime, token);
                    return timers._pending.Timer;
                });
            return timers;
        }

        public Deadline Take(string name)
        {
            var deadline = _pending ?? throw new InvalidOperationException(
                $"The wait for '{name}' has no deadline timer; these set-ups answer WaitForExternalEvent(name, timeout) only.");
            _pending = null;
            return deadline;
        }
    }

    private sealed class Deadline
    {
        private readonly TaskCompletionSource _timer = new();

        public Deadline(TimeSpan timeout, CancellationToken token)
        {
            Timeout = timeout;
            token.Register(() => _timer.TrySetCanceled(token));
        }

        public TimeSpan Timeout { get; }

        public Task Timer => _timer.Task;

        public void Fire() => _timer.TrySetResult();
    }
}
