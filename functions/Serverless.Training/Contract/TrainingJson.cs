using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Training.Contract;

/// <summary>
/// Source-generated JSON for the contract types (camelCase, enums as names), matching the durable
/// engine's converter so a spec, state or outputs record can travel as an activity's input or output.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(TrainingJobSpec))]
[JsonSerializable(typeof(TrainingJobState))]
[JsonSerializable(typeof(TrainingJobOutputs))]
[JsonSerializable(typeof(TrainingJobProblem))]
public sealed partial class TrainingJson : JsonSerializerContext
{
}
