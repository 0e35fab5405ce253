using System.Net.Security;
using Microsoft.Azure.Cosmos;
using Serverless.Storage.Azure;
using Serverless.Storage.Configuration;

namespace Serverless.Storage.Tests.Configuration;

public sealed class AzureStorageProviderTests
{
    [Theory]
    [InlineData("https://127.0.0.1:8081/", true)]
    [InlineData("https://localhost:8081/", true)]
    [InlineData("https://127.0.0.2:8081/", true)]
    [InlineData("https://[::1]:8081/", true)]
    [InlineData("https://contoso.documents.azure.com/", false)]
    [InlineData("https://10.0.0.4:8081/", false)]
    public void A_certificate_that_does_not_validate_is_accepted_only_on_loopback(string url, bool accepted)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);

        Assert.Equal(accepted, EmulatorCertificatePolicy.Accepts(request, null, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.True(EmulatorCertificatePolicy.Accepts(request, null, null, SslPolicyErrors.None));
    }

    [Fact]
    public void Cosmos_runs_in_gateway_mode_limited_to_its_endpoint()
    {
        var options = AzureStorageProvider.CreateClientOptions(Location("https://contoso.documents.azure.com:443/"));

        Assert.Equal(ConnectionMode.Gateway, options.ConnectionMode);
        Assert.True(options.LimitToEndpoint);
        Assert.Null(options.HttpClientFactory);
    }

    [Fact]
    public void Only_a_loopback_Cosmos_endpoint_gets_the_emulator_certificate_policy()
    {
        var options = AzureStorageProvider.CreateClientOptions(Location("https://127.0.0.1:8081/"));

        Assert.NotNull(options.HttpClientFactory);
    }

    private static CosmosDocumentStoreLocation Location(string endpoint) =>
        new("db", "documents", new Uri(endpoint), AccountKey: "a2V5", ManagedIdentityClientId: null);
}
