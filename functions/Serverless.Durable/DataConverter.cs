using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Durable;

/// <summary>Turns inputs, outputs, event payloads and custom status into text and back.</summary>
public abstract class DataConverter
{
    public abstract string? Serialize(object? value);

    public abstract object? Deserialize(string? data, Type targetType);

    public T? Deserialize<T>(string? data) => (T?)Deserialize(data, typeof(T));
}

/// <summary>
/// System.Text.Json with web defaults (camelCase names, enums as strings). Applications add
/// source-generated contexts through <see cref="JsonSerializerOptions.TypeInfoResolverChain"/>.
/// </summary>
public sealed class JsonDataConverter : DataConverter
{
    public JsonDataConverter(JsonSerializerOptions? options = null)
    {
        Options = options ?? CreateDefaultOptions();
    }

    public static JsonDataConverter Default { get; } = new();

    public JsonSerializerOptions Options { get; }

    public static JsonSerializerOptions CreateDefaultOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }

    public override string? Serialize(object? value) => value switch
    {
        null => null,
        // Already-serialized JSON (for example a CLI or HTTP body) travels as is.
        JsonElement element => element.ValueKind == JsonValueKind.Undefined ? null : element.GetRawText(),
        JsonDocument document => document.RootElement.GetRawText(),
        _ => JsonSerializer.Serialize(value, value.GetType(), Options),
    };

    public override object? Deserialize(string? data, Type targetType)
    {
        if (data is null) return null;
        return JsonSerializer.Deserialize(data, targetType, Options);
    }
}
