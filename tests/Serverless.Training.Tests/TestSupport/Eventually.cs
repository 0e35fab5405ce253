using System.Diagnostics;

namespace Serverless.Training.Tests.TestSupport;

/// <summary>Waits for a condition the operating system makes true (a file appears, a process is reaped), with a deadline.</summary>
public static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > deadline) return false;
            await Task.Delay(20);
        }
        return true;
    }
}
