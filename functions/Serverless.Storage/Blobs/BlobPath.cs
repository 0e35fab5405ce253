namespace Serverless.Storage.Blobs;

/// <summary>
/// The rules every blob path follows, in every adapter, so a path that works on one machine
/// works in Azure: '/'-separated non-empty segments, no leading or trailing '/', no '\',
/// no control characters, at most 1024 characters; no segment is '.' or '..', starts with '.'
/// (reserved for the store's own temporary and lock files) or ends with '.' (Azure trims it).
/// </summary>
public static class BlobPath
{
    public const int MaxLength = 1024;

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="path"/> and the rule it breaks.</summary>
    public static void Validate(string path, string parameterName = "path")
    {
        var problem = FindProblem(path, isPrefix: false);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid blob path '{path}': {problem}.", parameterName);
        }
    }

    /// <summary>Validates a listing prefix: like a path, but may be empty and may end with '/' or part of a segment.</summary>
    public static void ValidatePrefix(string prefix, string parameterName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, parameterName);
        var problem = FindProblem(prefix, isPrefix: true);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid blob path prefix '{prefix}': {problem}.", parameterName);
        }
    }

    private static string? FindProblem(string? path, bool isPrefix)
    {
        if (path is null)
        {
            return "it is null";
        }
        if (path.Length == 0)
        {
            return isPrefix ? null : "it is empty";
        }
        if (path.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }
        if (path[0] == '/')
        {
            return "it starts with '/'";
        }
        if (!isPrefix && path[^1] == '/')
        {
            return "it ends with '/'";
        }
        foreach (var c in path)
        {
            if (c == '\\')
            {
                return "it contains '\\' (use '/')";
            }
            if (char.IsControl(c))
            {
                return "it contains a control character";
            }
        }
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var isLast = i == segments.Length - 1;
            if (isPrefix && isLast)
            {
                // The last piece of a prefix may be a partial segment (or empty after a trailing '/').
                if (segment.StartsWith('.'))
                {
                    return "a segment starts with '.'";
                }
                continue;
            }
            if (segment.Length == 0)
            {
                return "it has an empty segment ('//')";
            }
            if (segment.StartsWith('.'))
            {
                return $"segment '{segment}' starts with '.' (reserved)";
            }
            if (segment.EndsWith('.'))
            {
                return $"segment '{segment}' ends with '.'";
            }
        }
        return null;
    }
}
