using System.ComponentModel;
using System.Diagnostics;

namespace Serverless.Training.Local;

/// <summary>
/// Tells whether a recorded process is still the one running: the process id must exist, not be a
/// zombie, and have the recorded start time (ids are reused after a process ends).
/// </summary>
internal static class ProcessProbe
{
    private static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(1);

    public static DateTimeOffset StartTimeOf(Process process) => new(process.StartTime.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>
    /// The start time of a process just started, or <paramref name="fallback"/> when it has already ended
    /// and been reaped (a trainer that fails at once): its start time then only ever identifies a process
    /// that is no longer running, which nothing will kill.
    /// </summary>
    public static DateTimeOffset StartTimeOf(Process process, DateTimeOffset fallback)
    {
        try
        {
            return StartTimeOf(process);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
            // InvalidOperationException once .NET has seen the exit; Win32Exception when the process was reaped
            // (its /proc entry gone) before .NET recorded the exit, which a trainer that exits at once can do.
            return fallback;
        }
    }

    public static bool IsRunning(int processId, DateTimeOffset startedAtUtc)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            if (process.HasExited || IsZombie(processId)) return false;
            return (StartTimeOf(process) - startedAtUtc).Duration() <= StartTimeTolerance;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
            // Ended between the lookup and reading its start time.
            return false;
        }
    }

    /// <summary>Kills the recorded process and its descendants if it is still the one running.</summary>
    public static bool KillTree(int processId, DateTimeOffset startedAtUtc)
    {
        if (!IsRunning(processId, startedAtUtc)) return false;
        try
        {
            using var process = Process.GetProcessById(processId);
            process.Kill(entireProcessTree: true);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>On Linux an exited child of a dead parent can linger as a zombie until it is reaped.</summary>
    private static bool IsZombie(int processId)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.Length && stat[afterName + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
