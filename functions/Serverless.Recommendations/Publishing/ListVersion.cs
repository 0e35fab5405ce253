using System.Text.Json;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Rules;

namespace Serverless.Recommendations.Publishing;

/// <summary>Version strings of published lists: equal parameters, data and rules give the same version.</summary>
public static class ListVersion
{
    /// <summary>"{service}-" and 12 hex digits of SHA-256 over the model recipe, the data hash and the service config.</summary>
    public static string For(ServiceConfig config, ModelRecipe recipe, string dataHash)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var rules = JsonSerializer.Serialize(config, RecommendationsJsonContext.Default.ServiceConfig);
        return config.Service + "-" + ContentHash.Short(ContentHash.Of(recipe.ToCanonicalString() + "|data=" + dataHash + "|rules=" + rules));
    }

    public static string For(ServiceConfig config, AlsOptions options, string dataHash) => For(config, ModelRecipe.ForAls(options), dataHash);

    public static string For(ServiceConfig config, RecommendationModel model) => For(config, model.Recipe, model.DataHash);
}
