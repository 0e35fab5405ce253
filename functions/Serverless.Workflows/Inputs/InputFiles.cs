using Microsoft.Extensions.Configuration;

namespace Serverless.Workflows.Inputs;

/// <summary>A file named by a request or a workflow input could not be read; the message names only the input's own path.</summary>
public sealed class InputFileException(string message) : ArgumentException(message);

/// <summary>
/// Files that a workflow input names (<c>WeeklyForecast</c>'s <c>configPath</c>): they are read only from the input
/// folder (<c>Serverless:Inputs:Root</c>, default <c>inputs</c> in the working folder), never through a symbolic
/// link, only when they are regular files, and only up to <c>Serverless:Inputs:MaxFileBytes</c> (default 1 MiB).
/// </summary>
/// <remarks>
/// A path from a request is untrusted: it may try to leave the folder (<c>..</c>, an absolute path, a link), name
/// something that never ends (<c>/dev/zero</c>) or blocks when opened (a FIFO), or probe what exists elsewhere.
/// Refusals say which rule the path broke, never what is outside the folder, and reading stops at the limit.
/// </remarks>
public sealed class InputFiles
{
    public const string RootSetting = "Serverless:Inputs:Root";
    public const string MaxFileBytesSetting = "Serverless:Inputs:MaxFileBytes";
    public const string DefaultRoot = "inputs";
    public const long DefaultMaxFileBytes = 1 << 20;
    public const int MaxPathLength = 512;

    public InputFiles(string root, long maxFileBytes = DefaultMaxFileBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFileBytes, 1);
        Root = Path.GetFullPath(root);
        MaxFileBytes = maxFileBytes;
    }

    /// <summary>The input folder, as a full path.</summary>
    public string Root { get; }

    public long MaxFileBytes { get; }

    public static InputFiles FromConfiguration(IConfiguration configuration, WorkflowPaths paths)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(paths);
        var root = configuration[RootSetting];
        var maxText = configuration[MaxFileBytesSetting];
        var max = DefaultMaxFileBytes;
        if (!string.IsNullOrWhiteSpace(maxText) && (!long.TryParse(maxText, out max) || max < 1))
        {
            throw new InvalidOperationException($"{MaxFileBytesSetting} = '{maxText}' is not a whole number of bytes of at least 1.");
        }
        return new InputFiles(paths.Resolve(string.IsNullOrWhiteSpace(root) ? DefaultRoot : root), max);
    }

    /// <summary>Why <paramref name="path"/> cannot name an input file, from its text alone; null when it can.</summary>
    public static string? Explain(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return "it is empty";
        if (path.Length > MaxPathLength) return $"it is longer than {MaxPathLength} characters";
        if (path.Any(char.IsControl)) return "it contains a control character";
        if (path.Contains('\\')) return "it contains '\\' (use '/')";
        if (path.StartsWith('/') || Path.IsPathRooted(path) || path.Contains(':')) return "it is absolute; input paths are relative to the input folder";
        if (path.Split('/').Any(segment => segment is ".." or "." or "")) return "it has an empty, '.' or '..' segment; input paths stay inside the input folder";
        return null;
    }

    /// <summary>Reads the input file <paramref name="path"/> (relative to the input folder) as UTF-8 text.</summary>
    /// <param name="field">What names the file, for errors (for example <c>configPath</c>).</param>
    public string ReadAllText(string path, string field)
    {
        if (Explain(path) is { } problem) throw new InputFileException($"{field} '{Shown(path)}' is refused: {problem}.");
        var full = Root;
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            full = Path.Combine(full, segments[i]);
            var kind = FileKinds.Of(full);
            var last = i == segments.Length - 1;
            switch (kind)
            {
                case FileKind.Missing:
                    throw new InputFileException($"{field} '{path}': there is no such file in the input folder ({RootSetting}).");
                case FileKind.SymbolicLink:
                    throw new InputFileException($"{field} '{path}' is refused: it goes through a symbolic link, which input files may not.");
                case FileKind.Directory when last:
                    throw new InputFileException($"{field} '{path}' is a folder, not a file.");
                case FileKind.RegularFile when !last:
                case FileKind.Special:
                    throw new InputFileException($"{field} '{path}' is refused: only regular files are read.");
            }
        }

        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > MaxFileBytes) throw TooLarge(path, field);
        var buffer = new byte[Math.Min(stream.Length, MaxFileBytes) + 1];
        var total = 0;
        int read;
        // The length was checked, but a file can grow while it is read: stop one byte past the limit whatever it says.
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        if (total > MaxFileBytes) throw TooLarge(path, field);
        return new System.Text.UTF8Encoding(false).GetString(buffer, 0, total).TrimStart('\uFEFF');
    }

    private InputFileException TooLarge(string path, string field) =>
        new($"{field} '{path}' is larger than {MaxFileBytes} bytes ({MaxFileBytesSetting}).");

    private static string Shown(string? path) => path is null ? "" : path.Length > 80 ? path[..80] + "…" : string.Concat(path.Select(c => char.IsControl(c) ? '?' : c));
}
