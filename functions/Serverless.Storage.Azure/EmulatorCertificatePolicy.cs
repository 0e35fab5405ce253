using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Serverless.Storage.Azure;

/// <summary>
/// The Cosmos DB emulator serves HTTPS with a self-signed certificate. Such a certificate is
/// accepted only for requests to this machine (localhost, 127.0.0.0/8, ::1); any other host
/// still needs a certificate that validates.
/// </summary>
internal static class EmulatorCertificatePolicy
{
    public static bool Accepts(HttpRequestMessage request, X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None || request.RequestUri is { IsLoopback: true };

    /// <summary>An <see cref="HttpClient"/> for the Cosmos SDK's <c>HttpClientFactory</c> that applies the policy.</summary>
    public static HttpClient CreateHttpClient() =>
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = Accepts });
}
