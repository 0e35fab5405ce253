using System.Text.Json.Serialization;

namespace Serverless.Storage.Tests.Support;

public sealed record Note(string Text, int Number);

public sealed record Counter(int Count, IReadOnlyList<string> Writers);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Note))]
[JsonSerializable(typeof(Counter))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
