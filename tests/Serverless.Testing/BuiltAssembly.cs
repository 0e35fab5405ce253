namespace Serverless.Testing;

/// <summary>
/// Where another project of the solution has its build output: tests and benchmarks start some of them as child
/// processes (crash hosts, worker hosts, the CLI). The project is built with the caller (a reference that does not
/// reference its assembly), in the caller's configuration and target framework, which its own output folder names.
/// </summary>
public static class BuiltAssembly
{
    /// <param name="projectFolder">The project's folder from the repository root, e.g. <c>tests/Serverless.Durable.CrashHost</c>.</param>
    /// <param name="assemblyName">The assembly's file name without <c>.dll</c>.</param>
    public static string PathOf(string projectFolder, string assemblyName)
    {
        // AppContext.BaseDirectory is <root>/<folder>/<project>/bin/<configuration>/<framework>/.
        var output = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var framework = output.Name;
        var configuration = output.Parent?.Name ?? throw new InvalidOperationException("Not run from a build output folder: " + output.FullName);
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Serverless.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException("Serverless.sln not found above " + output.FullName);
        return Path.Combine(root.FullName, projectFolder, "bin", configuration, framework, assemblyName + ".dll");
    }
}
