namespace Serverless.Workflows.Tests.RealRuntime;

internal static class RealRuntimeAssert
{
    /// <summary>
    /// The JSON with every duration a step measured (properties named <c>...Seconds</c>) and every instant of the
    /// orchestration's clock (<c>...AtUtc</c>, the engine's current time when the step ran) set to 0: wall-clock, not output.
    /// </summary>
    public static string WithoutTimings(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        void Walk(System.Text.Json.Nodes.JsonNode? n)
        {
            switch (n)
            {
                case System.Text.Json.Nodes.JsonObject o:
                    foreach (var key in o.Select(p => p.Key).ToList())
                    {
                        if (key.EndsWith("Seconds", StringComparison.Ordinal) || key.EndsWith("AtUtc", StringComparison.Ordinal)) o[key] = 0;
                        else Walk(o[key]);
                    }
                    break;
                case System.Text.Json.Nodes.JsonArray a:
                    foreach (var item in a) Walk(item);
                    break;
            }
        }
        Walk(node);
        return node.ToJsonString();
    }

    /// <summary>Equal text, or a failure that shows where the two first differ.</summary>
    public static void SameText(string expected, string actual, string what)
    {
        if (expected == actual) return;
        var at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        static string Around(string text, int at) => text.Substring(Math.Max(0, at - 60), Math.Min(text.Length, at + 60) - Math.Max(0, at - 60));
        Assert.Fail($"{what} differs at {at}:\n embedded: ...{Around(expected, at)}...\n real:     ...{Around(actual, at)}...");
    }

    /// <summary>
    /// The same files with the same bytes, except those <paramref name="skip"/> names and, when
    /// <paramref name="timings"/>, JSON files and documents (paths with '|') that differ only in the durations and instants they record; returns how many were compared.
    /// </summary>
    public static int SameFiles(IReadOnlyDictionary<string, byte[]> embedded, IReadOnlyDictionary<string, byte[]> real, Func<string, bool>? skip = null,
        bool timings = false)
    {
        Assert.Equal(embedded.Keys.Order(StringComparer.Ordinal), real.Keys.Order(StringComparer.Ordinal));
        var compared = 0;
        foreach (var (path, bytes) in embedded)
        {
            if (skip?.Invoke(path) == true) continue;
            if (!bytes.AsSpan().SequenceEqual(real[path]) && timings && (path.EndsWith(".json", StringComparison.Ordinal) || path.Contains('|', StringComparison.Ordinal)))
            {
                SameText(WithoutTimings(System.Text.Encoding.UTF8.GetString(bytes)), WithoutTimings(System.Text.Encoding.UTF8.GetString(real[path])), path);
            }
            else if (!bytes.AsSpan().SequenceEqual(real[path]))
            {
                SameText(System.Text.Encoding.UTF8.GetString(bytes), System.Text.Encoding.UTF8.GetString(real[path]), path);
                Assert.Fail($"{path} differs between the engines");
            }
            compared++;
        }
        return compared;
    }
}
