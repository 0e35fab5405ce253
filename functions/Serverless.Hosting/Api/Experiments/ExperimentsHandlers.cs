using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Experiments.Definitions;
using Serverless.Workflows.Experiments;

namespace Serverless.Hosting.Api.Experiments;

/// <summary>
/// Experiments over HTTP: list, read (figures, intervals, probability best, expected loss, SRM status, weight
/// history), define or replace (<c>PUT</c>), recompute now, and the assignment API. The local host maps these onto
/// <c>/api/experiments</c>; the Azure Functions shell calls the same methods from its HTTP triggers.
/// </summary>
public sealed class ExperimentsHandlers
{
    /// <summary>Largest definition body accepted.</summary>
    public const int MaxDefinitionBytes = 1 << 20;

    /// <summary><c>GET /api/experiments</c>: every experiment with its weights and headline status.</summary>
    public async Task<IResult> ListAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var services = request.HttpContext.RequestServices;
        var cancellationToken = request.HttpContext.RequestAborted;
        var recomputer = services.GetRequiredService<ExperimentRecomputer>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var items = new List<ExperimentListItem>();
        foreach (var (definition, stored) in await services.GetRequiredService<ExperimentDefinitionStore>().ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var allocation = await recomputer.GetAllocationAsync(definition, cancellationToken).ConfigureAwait(false);
            var analysis = await recomputer.GetAnalysisAsync(definition.Id, cancellationToken).ConfigureAwait(false);
            items.Add(new ExperimentListItem(definition.Id, Mode(definition), Metric(definition), definition.ControlVariantId,
                definition.Start, definition.Stop, definition.IsRunningAt(now), allocation.Current.Weights,
                analysis?.Aggregate.Variants.Sum(v => v.ExposedUsers) ?? 0, analysis?.Statistics.SampleRatio.Mismatch,
                analysis?.ComputedAt, stored.Source));
        }
        return ApiResults.Json(items);
    }

    /// <summary><c>GET /api/experiments/{id}</c>: the definition, the weights with their history, the latest analysis (null before any).</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        var services = request.HttpContext.RequestServices;
        var cancellationToken = request.HttpContext.RequestAborted;
        var found = await services.GetRequiredService<ExperimentDefinitionStore>().GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (found is null) return UnknownExperiment(id);
        var (definition, stored) = found.Value;
        var recomputer = services.GetRequiredService<ExperimentRecomputer>();
        var allocation = await recomputer.GetAllocationAsync(definition, cancellationToken).ConfigureAwait(false);
        var analysis = await recomputer.GetAnalysisAsync(definition.Id, cancellationToken).ConfigureAwait(false);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        return ApiResults.Json(new ExperimentView(definition.Id, stored.Source, stored.UpdatedAt, definition.IsRunningAt(now), stored.Definition, allocation, analysis));
    }

    /// <summary><c>PUT /api/experiments/{id}</c>, body = one definition (its <c>id</c> may be left out): 201 when new, 200 when replaced.</summary>
    public async Task<IResult> PutAsync(HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        var services = request.HttpContext.RequestServices;
        var cancellationToken = request.HttpContext.RequestAborted;
        var body = await ApiResults.ReadBodyAsync(request, MaxDefinitionBytes, cancellationToken).ConfigureAwait(false);
        if (body is null) return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"A definition may be at most {MaxDefinitionBytes} bytes.");
        if (body.Length == 0) return ApiResults.BadRequest("The request body is empty; send the experiment definition as JSON.");
        try
        {
            var (definition, created) = await services.GetRequiredService<ExperimentDefinitionStore>()
                .PutAsync(id, body, "HTTP body", cancellationToken).ConfigureAwait(false);
            var stored = (await services.GetRequiredService<ExperimentDefinitionStore>().GetAsync(definition.Id, cancellationToken).ConfigureAwait(false))!.Value;
            var result = new { id = definition.Id, created, definition = stored.Stored.Definition };
            return ApiResults.Json(result, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }
        catch (ExperimentDefinitionException ex)
        {
            return Results.Json(new DefinitionErrorBody(string.Join("; ", ex.Errors.Select(e => e.ToString())), ex.Errors), ApiResults.JsonOptions,
                statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary><c>POST /api/experiments/{id}/recompute</c>: statistics and weights now, whatever the cadence (nothing when no new events).</summary>
    public async Task<IResult> RecomputeAsync(HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        var services = request.HttpContext.RequestServices;
        var cancellationToken = request.HttpContext.RequestAborted;
        if (await services.GetRequiredService<ExperimentDefinitionStore>().GetAsync(id, cancellationToken).ConfigureAwait(false) is null) return UnknownExperiment(id);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var result = await services.GetRequiredService<ExperimentRecomputer>().RecomputeNowAsync(id, now, cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(result);
    }

    /// <summary><c>GET /api/experiments/{id}/assignment?user=U</c>: the user's variant and its parameters; sticky once given.</summary>
    public async Task<IResult> AssignAsync(HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        var user = request.Query["user"].ToString();
        if (string.IsNullOrEmpty(user)) return ApiResults.BadRequest("The 'user' query parameter is required, e.g. ?user=u-123.");
        if (user.Length > 1024) return ApiResults.BadRequest("The 'user' query parameter is longer than 1024 characters.");
        var services = request.HttpContext.RequestServices;
        var assignment = await services.GetRequiredService<AssignmentService>().AssignAsync(id, user, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return assignment is null ? UnknownExperiment(id) : ApiResults.Json(assignment);
    }

    private static IResult UnknownExperiment(string id) => ApiResults.NotFound($"There is no experiment '{id}'. GET /api/experiments lists them.");

    private static string Mode(ExperimentDefinition definition) => definition.Mode == AllocationMode.FixedSplit ? "fixed" : "thompson";

    private static string Metric(ExperimentDefinition definition) => definition.PrimaryMetric == PrimaryMetric.Conversion ? "conversion" : "valuePerUser";
}

/// <summary>A refused definition: the message, and each problem with its source, line and field.</summary>
public sealed record DefinitionErrorBody(string Error, IReadOnlyList<DefinitionError> Errors);
