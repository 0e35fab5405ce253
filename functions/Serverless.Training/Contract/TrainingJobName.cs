using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Serverless.Training.Contract;

/// <summary>
/// Azure ML's rule for job names, which both services apply: letters, digits, <c>-</c> and <c>_</c>,
/// starting with a letter or digit, at most 255 characters (the ARM pattern
/// <c>^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$</c>; names are case-sensitive).
/// </summary>
public static partial class TrainingJobName
{
    public const int MaxLength = 255;

    private const int HashLength = 12;

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$")]
    private static partial Regex ValidName();

    [GeneratedRegex(@"[^a-zA-Z0-9\-_]")]
    private static partial Regex InvalidCharacter();

    public static bool IsValid(string? name) => name is not null && ValidName().IsMatch(name);

    /// <summary>Why <paramref name="name"/> is not a valid job name, or null when it is.</summary>
    public static string? Explain(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "is required";
        if (name.Length > MaxLength) return $"is {name.Length} characters long; at most {MaxLength} are allowed";
        if (!char.IsAsciiLetterOrDigit(name[0])) return $"'{name}' must start with a letter or digit";
        var bad = InvalidCharacter().Match(name);
        if (bad.Success) return $"'{name}' contains '{bad.Value}' at position {bad.Index + 1}; only letters, digits, '-' and '_' are allowed";
        return null;
    }

    /// <summary>
    /// A valid, deterministic job name for an orchestration instance (and an optional step, such as
    /// an attempt number). When the text had to be changed to fit the rule, a hash of the original is
    /// appended, so two different instance ids never share a job name.
    /// </summary>
    public static string FromInstance(string instanceId, string? step = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var original = step is null ? instanceId : $"{instanceId}-{step}";
        if (IsValid(original)) return original;

        var cleaned = InvalidCharacter().Replace(original, "-");
        if (!char.IsAsciiLetterOrDigit(cleaned[0])) cleaned = "j" + cleaned;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(original)))[..HashLength];
        var room = MaxLength - HashLength - 1;
        if (cleaned.Length > room) cleaned = cleaned[..room];
        return $"{cleaned}-{hash}";
    }
}
