namespace Serverless.Bench.Harness;

/// <summary>What a scenario gets from the harness: options, a scratch folder and a progress sink.</summary>
public sealed class BenchmarkContext
{
    public BenchmarkContext(IReadOnlyDictionary<string, string> options, string workDirectory, Action<string> progress)
    {
        Options = options;
        WorkDirectory = workDirectory;
        Progress = progress;
    }

    /// <summary><c>--set key=value</c> pairs from the command line.</summary>
    public IReadOnlyDictionary<string, string> Options { get; }

    /// <summary>A fresh folder the scenario may fill; removed afterwards unless <c>--keep</c>.</summary>
    public string WorkDirectory { get; }

    /// <summary>Reports progress lines to the console.</summary>
    public Action<string> Progress { get; }

    public int GetInt(string key, int fallback) =>
        Options.TryGetValue(key, out var text) ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public double GetDouble(string key, double fallback) =>
        Options.TryGetValue(key, out var text) ? double.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public string GetString(string key, string fallback) =>
        Options.TryGetValue(key, out var text) ? text : fallback;
}
