using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Serverless.Hosting.Security;

/// <summary>
/// The keys that open <c>/api</c>, as Azure Functions' function keys do. A presented key is compared with
/// every known key in constant time (both sides hashed first, so neither the content nor the length of a
/// key leaks through timing).
/// </summary>
public sealed class FunctionKeys
{
    /// <summary>A comma- or line-separated list, or an array section (<c>Serverless:Host:Keys:0</c>, ...).</summary>
    public const string KeysSetting = "Serverless:Host:Keys";

    /// <summary>Where a generated key is kept (default: <c>host.keys</c> beside the engine database).</summary>
    public const string KeysFileSetting = "Serverless:Host:KeysFile";

    /// <summary>Shortest key accepted from configuration.</summary>
    public const int MinimumKeyLength = 16;

    private readonly byte[][] _hashes;

    public FunctionKeys(IEnumerable<string> keys, string source)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = keys.Select(k => k.Trim()).Where(k => k.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (list.Count == 0) throw new InvalidOperationException($"{source}: no keys.");
        var shortKey = list.FirstOrDefault(k => k.Length < MinimumKeyLength);
        if (shortKey is not null)
        {
            throw new InvalidOperationException($"{source}: every key must have at least {MinimumKeyLength} characters; one has {shortKey.Length}.");
        }
        _hashes = list.Select(Hash).ToArray();
        Source = source;
    }

    /// <summary>Where the keys came from (a setting name or a file path), for logs and errors.</summary>
    public string Source { get; }

    public int Count => _hashes.Length;

    /// <summary>True when <paramref name="presented"/> is one of the keys. Every key is compared, whatever matches.</summary>
    public bool IsValid(string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return false;
        var hash = Hash(presented);
        var match = false;
        foreach (var known in _hashes) match |= CryptographicOperations.FixedTimeEquals(hash, known);
        return match;
    }

    /// <summary>A new random key: 32 bytes from the system's secure generator, base64url.</summary>
    public static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The keys from configuration, or null when none are configured.</summary>
    public static FunctionKeys? FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(KeysSetting);
        var keys = new List<string>();
        if (!string.IsNullOrWhiteSpace(section.Value)) keys.AddRange(SplitList(section.Value));
        keys.AddRange(section.GetChildren().Select(c => c.Value).OfType<string>().SelectMany(SplitList));
        return keys.Count == 0 ? null : new FunctionKeys(keys, KeysSetting);
    }

    private static IEnumerable<string> SplitList(string value) =>
        value.Split([',', ';', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>
/// Loads the host's keys: from configuration when set, otherwise from the keys file beside the database,
/// creating it (mode 600) with one new key on first start. A new key is reported once, to be printed.
/// </summary>
public static class FunctionKeyStore
{
    public const string DefaultFileName = "host.keys";

    public static FunctionKeysLoad Load(IConfiguration configuration, string keysFile)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(keysFile);
        var configured = FunctionKeys.FromConfiguration(configuration);
        if (configured is not null) return new FunctionKeysLoad(configured, null);

        var path = Path.GetFullPath(keysFile);
        if (File.Exists(path)) return new FunctionKeysLoad(new FunctionKeys(ReadFile(path), path), null);

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = FunctionKeys.Generate();
        var text = $"# Keys for the serverless host's /api routes (x-functions-key header or ?code=); one per line.\n{key}\n";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(path, options))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write(text);
            }
            return new FunctionKeysLoad(new FunctionKeys([key], path), key);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another host on the same database created it first: use that one.
            return new FunctionKeysLoad(new FunctionKeys(ReadFile(path), path), null);
        }
    }

    private static IEnumerable<string> ReadFile(string path)
    {
        var keys = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (keys.Count == 0) throw new InvalidOperationException($"{path}: the keys file holds no key; add one per line or delete the file to get a new one.");
        return keys;
    }
}

/// <summary>The loaded keys, and the key generated by this load (null when none was generated).</summary>
public sealed record FunctionKeysLoad(FunctionKeys Keys, string? GeneratedKey);
