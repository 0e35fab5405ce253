using System.Diagnostics;
using System.Reflection;

namespace Serverless.Cli.Tests;

/// <summary>What one run of the command printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs the built <c>serverless</c> command in its own working folder, with a deadline.</summary>
public sealed class CliProcess : IDisposable
{
    private static readonly string CliDll = LocateCli();

    public string WorkingDirectory { get; } = Directory.CreateTempSubdirectory("serverless-cli-").FullName;

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var process = Start(WorkingDirectory, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"serverless {string.Join(' ', args)} did not finish within 2 minutes");
        }
        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>Starts the command without waiting for it, for long-running commands such as <c>host</c>.</summary>
    public static Process Start(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(CliDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    public void Dispose()
    {
        try { Directory.Delete(WorkingDirectory, recursive: true); } catch (IOException) { }
    }

    /// <summary>The CLI's build output for the configuration these tests were built with.</summary>
    private static string LocateCli()
    {
        var configuration = typeof(CliProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Serverless.sln"))) folder = folder.Parent;
        if (folder is null) throw new InvalidOperationException("Serverless.sln not found above " + AppContext.BaseDirectory);
        var dll = Path.Combine(folder.FullName, "tools", "Serverless.Cli", "bin", configuration, "net10.0", "serverless.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("The CLI is not built; build the solution first.", dll);
    }
}
