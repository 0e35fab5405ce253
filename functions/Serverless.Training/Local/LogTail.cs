namespace Serverless.Training.Local;

/// <summary>The last lines of a log file, for error messages.</summary>
internal static class LogTail
{
    public static IReadOnlyList<string> LastLines(string path, int count)
    {
        if (count <= 0 || !File.Exists(path)) return [];
        var lines = new Queue<string>(count);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (lines.Count == count) lines.Dequeue();
            lines.Enqueue(line);
        }
        return [.. lines];
    }
}
