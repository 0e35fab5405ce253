using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Serverless.Hosting.Api;

namespace Serverless.Functions.Tests;

/// <summary>
/// The shell serves the same HTTP API as the local host: every route the host maps under <c>/api</c> is an HTTP
/// function with the same method and path (the Functions host prefixes routes with <c>api/</c>), each needing the
/// key its route needs on the host: a function key, or the admin (master) key. An area that adds a route to the host without its function in the shell fails here.
/// </summary>
public sealed partial class HttpRouteTests
{
    [Fact]
    public void Every_route_of_the_local_host_is_an_http_function_of_the_shell_and_the_reverse()
    {
        var host = HostRoutes();
        var shell = ShellRoutes();

        var missing = host.Except(shell).Order().ToList();
        var extra = shell.Except(host).Order().ToList();

        Assert.True(missing.Count == 0, $"Routes of the local host without an HTTP function in functions/Serverless.Functions: {string.Join(", ", missing)}");
        Assert.True(extra.Count == 0, $"HTTP functions of the shell the local host does not serve: {string.Join(", ", extra)}");
        Assert.Contains("POST api/workflows/{}", host);
    }

    [Fact]
    public void Every_http_function_needs_the_key_its_route_needs_on_the_local_host()
    {
        // The local host's routes declare which need the admin key (RequireAdminKey); the shell's functions say the same.
        var admin = HostRoutes(adminOnly: true);
        Assert.Contains("POST api/workflows/{}/terminate", admin);
        foreach (var function in ShellCatalog.WithTrigger<HttpTriggerAttribute>())
        {
            var trigger = function.Trigger<HttpTriggerAttribute>()!;
            var path = Normalize("api/" + (trigger.Route ?? function.Name));
            var needsAdmin = (trigger.Methods ?? ["ANY"]).Any(m => admin.Contains($"{m.ToUpperInvariant()} {path}"));
            var expected = needsAdmin ? AuthorizationLevel.Admin : AuthorizationLevel.Function;
            Assert.True(trigger.AuthLevel == expected, $"{function} must use AuthorizationLevel.{expected}.");
        }
    }

    private static HashSet<string> HostRoutes(bool adminOnly = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        using var app = builder.Build();
        app.MapServerlessApi();
        var routes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            if (adminOnly && endpoint.Metadata.GetMetadata<Serverless.Hosting.Security.AdminKeyRequired>() is null) continue;
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"];
            var path = Normalize(endpoint.RoutePattern.RawText ?? "");
            foreach (var method in methods) routes.Add($"{method.ToUpperInvariant()} {path}");
        }
        return routes;
    }

    private static HashSet<string> ShellRoutes()
    {
        var routes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var function in ShellCatalog.WithTrigger<HttpTriggerAttribute>())
        {
            var trigger = function.Trigger<HttpTriggerAttribute>()!;
            var path = Normalize("api/" + (trigger.Route ?? function.Name));
            foreach (var method in trigger.Methods ?? ["ANY"]) routes.Add($"{method.ToUpperInvariant()} {path}");
        }
        return routes;
    }

    /// <summary>Parameter names and constraints aside, paths compare as written: <c>/api/workflows/{id}/</c> is <c>api/workflows/{}</c>.</summary>
    private static string Normalize(string path) => Parameter().Replace(path.Trim('/'), "{}");

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
