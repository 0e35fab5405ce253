namespace Serverless.Recommendations.Factorization;

/// <summary>Version strings derived from what made an artifact, so equal inputs give equal versions.</summary>
public static class ModelVersion
{
    /// <summary>"als-" and 12 hex digits of SHA-256 over the parameters and the data hash.</summary>
    public static string For(AlsOptions options, string dataHash) =>
        "als-" + ContentHash.Short(ContentHash.Of(options.ToCanonicalString() + "|data=" + dataHash));
}
