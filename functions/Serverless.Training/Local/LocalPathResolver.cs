using Serverless.Training.Validation;

namespace Serverless.Training.Local;

/// <summary>
/// Turns <c>file:</c> URIs into paths: <c>file:datasets/sales</c> is relative to the local root
/// (and may not leave it); <c>file:///data/sales</c> and <c>file:/data/sales</c> are absolute.
/// </summary>
internal sealed class LocalPathResolver
{
    public LocalPathResolver(string rootDirectory)
    {
        Root = Path.GetFullPath(rootDirectory);
    }

    public string Root { get; }

    /// <summary>The local path of <paramref name="uri"/>, or the reason there is none.</summary>
    public (string? Path, string? Problem) Resolve(string uri)
    {
        if (!TrainingUri.IsFile(uri)) return (null, $"'{uri}' is not on this machine; the local runner reads and writes file: URIs only");

        var rest = Uri.UnescapeDataString(uri["file:".Length..]);
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            if (!rest.StartsWith("///", StringComparison.Ordinal)) return (null, $"'{uri}' names a host; use file:///absolute/path or file:relative/path");
            rest = rest[2..];
        }
        if (rest.Length == 0) return (null, $"'{uri}' has no path");

        if (Path.IsPathRooted(rest)) return (Path.GetFullPath(rest), null);

        var full = Path.GetFullPath(Path.Combine(Root, rest));
        var inside = full.StartsWith(Root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return inside ? (full, null) : (null, $"'{uri}' leaves the local root '{Root}'");
    }
}
