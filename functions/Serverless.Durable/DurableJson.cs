using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DurableTask.Converters;

namespace Serverless.Durable;

/// <summary>
/// How inputs, outputs, event payloads and custom status travel as text on every engine: System.Text.Json
/// with web defaults (camelCase names) and enums as strings. The local engines and the Function App shell
/// all use this converter, so the same payload reads the same everywhere.
/// </summary>
public static class DurableJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The data converter to give workers and clients (<c>DurableTaskWorkerOptions.DataConverter</c>).</summary>
    public static JsonDataConverter Converter { get; } = new(Options);

    public static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };
        options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }
}
