namespace Serverless.Workflows;

/// <summary>
/// The one rule for instance ids that come from outside (the HTTP API, the CLI): letters, digits and
/// <c>- _ . : @</c>, starting with a letter or digit (so never <c>.</c> or <c>..</c>), no '/', '\', '?', '#',
/// spaces or control characters, so every id can stand in a URL path segment, a blob path and a file name.
/// A new instance's id has at most <see cref="MaxNewLength"/> characters, leaving room for the ids its steps
/// derive from it (<c>{id}-train-{service}</c>, <c>{id}:{n}</c>); looking one up accepts up to <see cref="MaxLength"/>.
/// </summary>
public static class WorkflowInstanceIds
{
    public const int MaxNewLength = 100;
    public const int MaxLength = 256;

    /// <summary>What is wrong with <paramref name="id"/> as an instance id, or null when nothing is.</summary>
    /// <param name="forNewInstance">True for the id of an instance about to be started (the shorter limit).</param>
    public static string? Explain(string? id, bool forNewInstance = false)
    {
        if (string.IsNullOrEmpty(id)) return "it is empty";
        var limit = forNewInstance ? MaxNewLength : MaxLength;
        if (id.Length > limit) return $"it has {id.Length} characters; at most {limit} are allowed";
        if (!char.IsAsciiLetterOrDigit(id[0])) return "it must start with a letter or a digit";
        var bad = id.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@'));
        if (bad != default) return $"it contains {Describe(bad)}; only letters, digits and - _ . : @ are allowed";
        return null;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> with one clear line when <paramref name="id"/> breaks the rule.</summary>
    public static void Validate(string? id, bool forNewInstance = false, string parameterName = "instanceId")
    {
        if (Explain(id, forNewInstance) is { } problem) throw new ArgumentException($"The instance id '{Shown(id)}' is not valid: {problem}.", parameterName);
    }

    /// <summary>The id as it may be echoed in a one-line message: cut short, control characters shown as '?'.</summary>
    public static string Shown(string? id)
    {
        if (id is null) return "";
        var cut = id.Length > 40 ? id[..40] + "…" : id;
        return string.Concat(cut.Select(c => char.IsControl(c) ? '?' : c));
    }

    private static string Describe(char c) => char.IsControl(c) ? "a control character" : c == ' ' ? "a space" : $"'{c}'";
}
