using System.Text.Json;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Rules;

namespace Serverless.Recommendations.Publishing;

/// <summary>Version strings of published lists: equal parameters, data and rules give the same version.</summary>
public static class ListVersion
{
    /// <summary>"{service}-" and 12 hex digits of SHA-256 over the ALS parameters, the data hash and the service config.</summary>
    public static string For(ServiceConfig config, AlsOptions options, string dataHash)
    {
        var rules = JsonSerializer.Serialize(config, RecommendationsJsonContext.Default.ServiceConfig);
        return config.Service + "-" + ContentHash.Short(ContentHash.Of(options.ToCanonicalString() + "|data=" + dataHash + "|rules=" + rules));
    }

    public static string For(ServiceConfig config, AlsModel model) => For(config, model.Options, model.DataHash);
}
