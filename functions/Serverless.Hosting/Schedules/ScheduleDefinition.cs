using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cronos;
using Microsoft.Extensions.Configuration;

namespace Serverless.Hosting.Schedules;

/// <summary>
/// One timer trigger: which workflow to start, when (cron in a time zone), with which input.
/// </summary>
/// <param name="Input">The input as JSON text, or null for none.</param>
/// <param name="IsDefault">True when the schedule comes from the built-in defaults rather than configuration.</param>
public sealed record ScheduleDefinition(
    string Name,
    string Workflow,
    string Cron,
    TimeZoneInfo TimeZone,
    string? Input,
    bool Enabled,
    bool IsDefault)
{
    private CronExpression? _expression;

    public CronExpression Expression => _expression ??= ScheduleConfiguration.ParseCron(Cron, $"{ScheduleConfiguration.Section}:{Name}:cron");

    /// <summary>The latest due time in (<paramref name="after"/>, <paramref name="until"/>] (UTC), or null.</summary>
    public DateTime? LatestDue(DateTime after, bool afterInclusive, DateTime until)
    {
        if (until < after) return null;
        DateTime? last = null;
        foreach (var due in Expression.GetOccurrences(after, until, TimeZone, afterInclusive, toInclusive: true)) last = due;
        return last;
    }

    /// <summary>The first due time strictly after <paramref name="after"/> (UTC), or null.</summary>
    public DateTime? NextDue(DateTime after) => Expression.GetNextOccurrence(after, TimeZone, inclusive: false);
}

/// <summary>A schedule setting is missing or malformed; the message names the setting.</summary>
public sealed class ScheduleConfigurationException(string setting, string message, Exception? inner = null)
    : Exception($"{setting}: {message}", inner)
{
    public string Setting { get; } = setting;
}

/// <summary>
/// Reads <c>Serverless:Schedules:&lt;name&gt;</c> (<c>workflow</c>, <c>cron</c>, <c>timeZone</c>, <c>input</c>,
/// <c>enabled</c>) over the defaults: the weekly forecast on Mondays at 10:00 and the recommendation refresh
/// daily at 03:00, both Asia/Tokyo. A configured schedule with the name of a default overrides only the
/// fields it sets; <c>enabled: false</c> turns a schedule off.
/// </summary>
public static class ScheduleConfiguration
{
    public const string Section = "Serverless:Schedules";
    public const string DefaultTimeZone = "Asia/Tokyo";

    private static readonly (string Name, string Workflow, string Cron, string TimeZone)[] Defaults =
    [
        ("WeeklyForecast", "WeeklyForecast", "0 10 * * MON", DefaultTimeZone),
        ("RecommendationRefresh", "RecommendationRefresh", "0 3 * * *", DefaultTimeZone),
    ];

    public static IReadOnlyList<ScheduleDefinition> Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var result = new List<ScheduleDefinition>();
        var names = Defaults.Select(d => d.Name)
            .Concat(section.GetChildren().Select(c => c.Key))
            .Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            var entry = section.GetSection(name);
            var fallback = Defaults.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
            var isDefault = fallback.Name is not null;
            var prefix = $"{Section}:{name}";
            if (!isDefault && !string.IsNullOrEmpty(entry.Value))
            {
                throw new ScheduleConfigurationException(prefix, "must be a section with workflow, cron, timeZone, input and enabled, not a single value.");
            }

            var workflow = NonEmpty(entry["workflow"]) ?? fallback.Workflow ?? name;
            var cron = NonEmpty(entry["cron"]) ?? fallback.Cron
                ?? throw new ScheduleConfigurationException($"{prefix}:cron", "is missing; give a cron expression such as \"0 10 * * MON\".");
            ParseCron(cron, $"{prefix}:cron");
            var zoneId = NonEmpty(entry["timeZone"]) ?? fallback.TimeZone ?? "UTC";
            var zone = FindZone(zoneId, $"{prefix}:timeZone");
            var enabled = true;
            if (NonEmpty(entry["enabled"]) is { } enabledText && !bool.TryParse(enabledText, out enabled))
            {
                throw new ScheduleConfigurationException($"{prefix}:enabled", $"must be true or false, not '{enabledText}'.");
            }
            var input = ReadInput(entry.GetSection("input"), $"{prefix}:input");
            result.Add(new ScheduleDefinition(fallback.Name ?? name, workflow, cron, zone, input, enabled,
                isDefault && !entry.GetChildren().Any()));
        }
        return result;
    }

    /// <summary>A five-field cron expression (minute hour day month weekday), or six fields with seconds first.</summary>
    public static CronExpression ParseCron(string cron, string setting)
    {
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return fields switch
            {
                5 => CronExpression.Parse(cron, CronFormat.Standard),
                6 => CronExpression.Parse(cron, CronFormat.IncludeSeconds),
                _ => throw new ScheduleConfigurationException(setting,
                    $"'{cron}' has {fields} fields; a cron expression has 5 (minute hour day month weekday) or 6 (seconds first)."),
            };
        }
        catch (CronFormatException ex)
        {
            throw new ScheduleConfigurationException(setting, $"'{cron}' is not a valid cron expression: {ex.Message}", ex);
        }
    }

    private static TimeZoneInfo FindZone(string id, string setting)
    {
        if (string.Equals(id, "UTC", StringComparison.OrdinalIgnoreCase)) return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ScheduleConfigurationException(setting, $"'{id}' is not a time zone this machine knows; use an IANA name such as Asia/Tokyo or UTC.", ex);
        }
    }

    /// <summary>The input as JSON text: a JSON string value as is (checked), or a section turned into a JSON object.</summary>
    private static string? ReadInput(IConfigurationSection section, string setting)
    {
        if (section.Value is { } text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.GetRawText();
            }
            catch (JsonException ex)
            {
                throw new ScheduleConfigurationException(setting, $"is not valid JSON: {ex.Message}", ex);
            }
        }
        return section.GetChildren().Any() ? ToNode(section)!.ToJsonString() : null;
    }

    private static JsonNode? ToNode(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0) return Scalar(section.Value);
        if (children.All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var array = new JsonArray();
            foreach (var child in children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture))) array.Add(ToNode(child));
            return array;
        }
        var obj = new JsonObject();
        foreach (var child in children) obj[child.Key] = ToNode(child);
        return obj;
    }

    /// <summary>Configuration values are text; numbers and booleans become JSON numbers and booleans again.</summary>
    private static JsonNode? Scalar(string? value)
    {
        if (value is null) return null;
        if (bool.TryParse(value, out var flag)) return JsonValue.Create(flag);
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole)) return JsonValue.Create(whole);
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)) return JsonValue.Create(number);
        return JsonValue.Create(value);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
