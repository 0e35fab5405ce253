using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Recommendations.Publishing;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;
using Serverless.Workflows;
using Serverless.Workflows.Recommendations;

namespace Serverless.Hosting.Api.Recommendations;

/// <summary>
/// Serving the published lists from the document store: what is in service per service, a user's
/// items and an item's similar items, each with the list version so clients can tell which refresh
/// they read. Unknown services, users and items are 404 with a message, never an empty list. The local
/// host maps these onto <c>/api/recommendations</c>; the Azure Functions shell calls the same methods.
/// </summary>
public sealed class RecommendationsHandlers
{
    /// <summary><c>GET /api/recommendations</c>: the configured services and, for each, what is in service (null before the first publication).</summary>
    public async Task<IResult> ListServicesAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        var (artifacts, configured) = Resolve(request);
        var published = await PublishedServicesAsync(artifacts, cancellationToken).ConfigureAwait(false);
        var names = configured.Concat(published.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return ApiResults.Json(names.Select(n => new RecommendationServiceInfo(n, configured.Contains(n), published.GetValueOrDefault(n))).ToArray());
    }

    /// <summary><c>GET /api/recommendations/{service}</c>: what is in service (version, model, when, summary).</summary>
    public async Task<IResult> GetServiceAsync(HttpRequest request, string service)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        var (artifacts, configured) = Resolve(request);
        var pointer = await ReadPointerAsync(artifacts, service, cancellationToken).ConfigureAwait(false);
        if (pointer is null) return await UnknownServiceAsync(artifacts, configured, service, cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(new RecommendationServiceInfo(service, configured.Contains(service), pointer));
    }

    /// <summary><c>GET /api/recommendations/{service}/users/{user}</c>: the user's list with its version.</summary>
    public Task<IResult> GetUserListAsync(HttpRequest request, string service, string user) =>
        GetListAsync(request, service, ListKind.UserItems, user);

    /// <summary><c>GET /api/recommendations/{service}/items/{item}</c>: items similar to the item, with the version.</summary>
    public Task<IResult> GetItemListAsync(HttpRequest request, string service, string item) =>
        GetListAsync(request, service, ListKind.ItemItems, item);

    private static async Task<IResult> GetListAsync(HttpRequest request, string service, ListKind kind, string subject)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        var (artifacts, configured) = Resolve(request);
        var what = kind == ListKind.UserItems ? "user" : "item";
        var pointer = await ReadPointerAsync(artifacts, service, cancellationToken).ConfigureAwait(false);
        if (pointer is null) return await UnknownServiceAsync(artifacts, configured, service, cancellationToken).ConfigureAwait(false);
        try
        {
            DocumentKey.ValidateId(subject, what);
        }
        catch (ArgumentException e)
        {
            return ApiResults.BadRequest($"'{subject}' is not a valid {what} id: {e.Message}");
        }
        var list = await artifacts.ReadPublishedListAsync(service, kind, subject, cancellationToken).ConfigureAwait(false);
        if (list is null)
        {
            return ApiResults.NotFound(kind == ListKind.UserItems
                ? $"Unknown user '{subject}' in service '{service}': no list in service (version {pointer.Version}); users with no interactions in the data have none."
                : $"Unknown item '{subject}' in service '{service}': no similar-items list in service (version {pointer.Version}); items with no interactions in the data have none.");
        }
        return ApiResults.Json(list);
    }

    private static (RecommendationArtifacts Artifacts, IReadOnlySet<string> Configured) Resolve(HttpRequest request)
    {
        var services = request.HttpContext.RequestServices;
        var artifacts = new RecommendationArtifacts(services.GetRequiredService<IBlobStore>(), services.GetRequiredService<IDocumentStore>());
        IReadOnlySet<string> configured;
        try
        {
            var (settings, _) = RecommendationSettings.Load(services.GetRequiredService<IConfiguration>(), services.GetRequiredService<WorkflowPaths>());
            configured = settings.Services.Select(s => s.Service).ToHashSet(StringComparer.Ordinal);
        }
        catch (RecommendationSettingsException)
        {
            // Serving does not depend on the settings: what was published stays readable when they are broken.
            configured = new HashSet<string>(StringComparer.Ordinal);
        }
        return (artifacts, configured);
    }

    private static async Task<ServiceListsPointer?> ReadPointerAsync(RecommendationArtifacts artifacts, string service, CancellationToken cancellationToken)
    {
        try
        {
            DocumentKey.ValidateId(service, "service");
        }
        catch (ArgumentException)
        {
            return null;
        }
        return await artifacts.ReadPointerAsync(service, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Dictionary<string, ServiceListsPointer>> PublishedServicesAsync(RecommendationArtifacts artifacts, CancellationToken cancellationToken)
    {
        var published = new Dictionary<string, ServiceListsPointer>(StringComparer.Ordinal);
        await foreach (var document in artifacts.Documents.QueryAsync(RecommendationPaths.ServicesPartition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (System.Text.Json.JsonSerializer.Deserialize<ServiceListsPointer>(document.Body, ApiResults.JsonOptions) is { } pointer) published[document.Id] = pointer;
        }
        return published;
    }

    private static async Task<IResult> UnknownServiceAsync(RecommendationArtifacts artifacts, IReadOnlySet<string> configured, string service,
        CancellationToken cancellationToken)
    {
        if (configured.Contains(service))
        {
            return ApiResults.NotFound($"Service '{service}' has no lists in service yet: no RecommendationRefresh has published for it.");
        }
        var known = configured.Concat((await PublishedServicesAsync(artifacts, cancellationToken).ConfigureAwait(false)).Keys)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return ApiResults.NotFound($"Unknown service '{service}'; known services: {(known.Length == 0 ? "(none)" : string.Join(", ", known))}.");
    }
}

/// <summary>A service as <c>GET /api/recommendations</c> shows it: whether it is configured, and what is in service.</summary>
public sealed record RecommendationServiceInfo(string Service, bool Configured, ServiceListsPointer? InService);
