using Azure.Core;

namespace Serverless.Training.Tests.TestSupport;

/// <summary>Hands out a fixed token and remembers the scopes it was asked for.</summary>
public sealed class FakeTokenCredential : TokenCredential
{
    public const string Token = "fake-arm-token";

    private readonly List<string> _scopes = [];

    public IReadOnlyList<string> Scopes
    {
        get { lock (_scopes) return [.. _scopes]; }
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (_scopes) _scopes.AddRange(requestContext.Scopes);
        return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
