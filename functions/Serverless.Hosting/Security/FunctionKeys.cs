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

    /// <summary>The admin keys' setting: the same forms as <see cref="KeysSetting"/>.</summary>
    public const string AdminKeysSetting = "Serverless:Host:AdminKeys";

    /// <summary>The keys from configuration (<paramref name="setting"/>, default the function keys), or null when none are configured.</summary>
    public static FunctionKeys? FromConfiguration(IConfiguration configuration, string setting = KeysSetting)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(setting);
        var keys = new List<string>();
        if (!string.IsNullOrWhiteSpace(section.Value)) keys.AddRange(SplitList(section.Value));
        keys.AddRange(section.GetChildren().Select(c => c.Value).OfType<string>().SelectMany(SplitList));
        return keys.Count == 0 ? null : new FunctionKeys(keys, setting);
    }

    private static IEnumerable<string> SplitList(string value) =>
        value.Split([',', ';', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>What a presented key opens.</summary>
public enum KeyLevel
{
    None,

    /// <summary>Read status and lists, submit events and review decisions, start the public workflows.</summary>
    Function,

    /// <summary>Everything a function key opens, and steering instances: terminate, purge, raise any event, suspend, resume, change definitions.</summary>
    Admin,
}

/// <summary>The host's two kinds of keys, as Azure Functions has function keys and the master (admin) key.</summary>
public sealed class HostKeys(FunctionKeys functionKeys, FunctionKeys? adminKeys)
{
    public FunctionKeys FunctionKeys { get; } = functionKeys ?? throw new ArgumentNullException(nameof(functionKeys));

    /// <summary>Null when none are configured: then no request can do what needs the admin key.</summary>
    public FunctionKeys? AdminKeys { get; } = adminKeys;

    public KeyLevel LevelOf(string? presented) =>
        AdminKeys?.IsValid(presented) == true ? KeyLevel.Admin
        : FunctionKeys.IsValid(presented) ? KeyLevel.Function
        : KeyLevel.None;
}

/// <summary>
/// Loads the host's keys: each kind from configuration when set (<c>Serverless:Host:Keys</c>,
/// <c>Serverless:Host:AdminKeys</c>), otherwise from the keys file beside the database, which the first start
/// creates (mode 600) with one function key and one admin key. A plain line is a function key, a line
/// <c>admin KEY</c> an admin key. A keys file from before admin keys gets one appended. New keys are reported
/// once, to be printed.
/// </summary>
public static class FunctionKeyStore
{
    public const string DefaultFileName = "host.keys";
    public const string AdminPrefix = "admin ";

    public static FunctionKeysLoad Load(IConfiguration configuration, string keysFile)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(keysFile);
        var configured = FunctionKeys.FromConfiguration(configuration);
        var configuredAdmin = FunctionKeys.FromConfiguration(configuration, FunctionKeys.AdminKeysSetting);
        // Keys set in configuration are the operator's whole choice: no file is read or written then.
        if (configured is not null) return new FunctionKeysLoad(configured, null, configuredAdmin, null);

        var path = Path.GetFullPath(keysFile);
        string? generated = null;
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var key = FunctionKeys.Generate();
            var text = "# Keys for the serverless host's /api routes (x-functions-key header or ?code=); one per line.\n"
                + "# A plain line is a function key: read status, submit events and reviews, start the public workflows.\n"
                + $"{key}\n";
            if (CreatePrivate(path, text)) generated = key;
        }

        var (functionKeys, adminKeys) = ReadFile(path);
        string? generatedAdmin = null;
        if (configuredAdmin is null && adminKeys.Count == 0)
        {
            generatedAdmin = FunctionKeys.Generate();
            File.AppendAllText(path, "# A line 'admin KEY' is an admin key: also terminate, purge, raise any event, suspend, resume, change definitions.\n"
                + $"{AdminPrefix}{generatedAdmin}\n");
            adminKeys = [generatedAdmin];
        }
        if (functionKeys.Count == 0) throw new InvalidOperationException($"{path}: the keys file holds no function key; add one per line or delete the file to get new keys.");
        return new FunctionKeysLoad(new FunctionKeys(functionKeys, path), generated,
            configuredAdmin ?? new FunctionKeys(adminKeys, path), generatedAdmin);
    }

    /// <summary>Creates the file readable only by this user; false when another host created it first.</summary>
    private static bool CreatePrivate(string path, string text)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            writer.Write(text);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another host on the same database created it first: use that one.
            return false;
        }
    }

    private static (List<string> Function, List<string> Admin) ReadFile(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var admin = lines.Where(l => l.StartsWith(AdminPrefix, StringComparison.Ordinal)).Select(l => l[AdminPrefix.Length..].Trim()).ToList();
        var function = lines.Where(l => !l.StartsWith(AdminPrefix, StringComparison.Ordinal)).ToList();
        return (function, admin);
    }
}

/// <summary>The loaded keys, and the keys generated by this load (null when none was generated).</summary>
public sealed record FunctionKeysLoad(FunctionKeys Keys, string? GeneratedKey, FunctionKeys? AdminKeys = null, string? GeneratedAdminKey = null)
{
    public HostKeys HostKeys => new(Keys, AdminKeys);
}
