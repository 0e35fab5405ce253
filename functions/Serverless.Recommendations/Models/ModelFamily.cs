using System.Text.Json.Serialization;

namespace Serverless.Recommendations.Models;

/// <summary>The model families the refresh can train and publish.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelFamily>))]
public enum ModelFamily
{
    /// <summary>Implicit-feedback matrix factorisation by alternating least squares.</summary>
    [JsonStringEnumMemberName("als")]
    Als,

    /// <summary>EASE (Steck 2019): a closed-form item-item model for catalogues small enough to hold an item x item matrix.</summary>
    [JsonStringEnumMemberName("ease")]
    Ease,
}
