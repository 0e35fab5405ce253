namespace Serverless.Workflows.Tests.RealRuntime;

internal static class RealRuntimeAssert
{
    /// <summary>Equal text, or a failure that shows where the two first differ.</summary>
    public static void SameText(string expected, string actual, string what)
    {
        if (expected == actual) return;
        var at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        static string Around(string text, int at) => text.Substring(Math.Max(0, at - 60), Math.Min(text.Length, at + 60) - Math.Max(0, at - 60));
        Assert.Fail($"{what} differs at {at}:\n embedded: ...{Around(expected, at)}...\n real:     ...{Around(actual, at)}...");
    }

    /// <summary>The same files with the same bytes, except those <paramref name="skip"/> names; returns how many were compared.</summary>
    public static int SameFiles(IReadOnlyDictionary<string, byte[]> embedded, IReadOnlyDictionary<string, byte[]> real, Func<string, bool>? skip = null)
    {
        Assert.Equal(embedded.Keys.Order(StringComparer.Ordinal), real.Keys.Order(StringComparer.Ordinal));
        var compared = 0;
        foreach (var (path, bytes) in embedded)
        {
            if (skip?.Invoke(path) == true) continue;
            if (!bytes.AsSpan().SequenceEqual(real[path]))
            {
                SameText(System.Text.Encoding.UTF8.GetString(bytes), System.Text.Encoding.UTF8.GetString(real[path]), path);
                Assert.Fail($"{path} differs between the engines");
            }
            compared++;
        }
        return compared;
    }
}
