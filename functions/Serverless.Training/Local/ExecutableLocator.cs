namespace Serverless.Training.Local;

/// <summary>Finds the file a program name refers to, the way a shell would: a path as is, a bare name on PATH.</summary>
internal static class ExecutableLocator
{
    public static string? Find(string program)
    {
        if (string.IsNullOrWhiteSpace(program)) return null;
        if (Path.IsPathRooted(program) || program.Contains('/') || program.Contains(Path.DirectorySeparatorChar))
        {
            var full = Path.GetFullPath(program);
            return File.Exists(full) ? full : null;
        }

        var extensions = OperatingSystem.IsWindows() ? new[] { "", ".exe", ".cmd", ".bat" } : [""];
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var extension in extensions)
            {
                var candidate = Path.Combine(directory, program + extension);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
