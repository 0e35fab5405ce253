using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Experiments.Events;
using Serverless.Hosting.Api.Experiments;
using Serverless.Workflows.Experiments;

namespace Serverless.Hosting.Api.Events;

/// <summary>
/// <c>POST /api/events</c>: a batch of experiment events, as a JSON array or as JSON lines. The batch is validated,
/// stored once under its identity and put in the pending lists of the experiment shards it touches, whose
/// <c>ExperimentAggregation</c> aggregators apply it; the answer is 202 with the counts. Bad events are quarantined
/// (counted here by reason); a body that is not valid JSON as a whole is refused with 400 and nothing is stored; when
/// applying lags beyond <c>Serverless:Experiments:MaxApplyLag</c> the answer is 429 with <c>Retry-After</c> and nothing
/// is taken. <c>GET /api/events/status</c>: this process's apply rounds (events applied, lag from acknowledgement to
/// applied) and each shard's published progress.
/// </summary>
public sealed class EventsHandlers
{
    public async Task<IResult> PostAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        var limit = ApiLimits.MaxEventBatchBytes(request.HttpContext.RequestServices.GetService<IConfiguration>());
        var body = await ApiResults.ReadBodyAsync(request, limit, cancellationToken).ConfigureAwait(false);
        if (body is null) return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"A batch may be at most {limit} bytes ({ApiLimits.MaxEventBatchBytesSetting}); send several batches.");
        var format = DetectFormat(body, request.ContentType);
        if (format is null) return ApiResults.BadRequest("The batch is empty: send a JSON array of events or one JSON event per line.");
        try
        {
            var submission = await request.HttpContext.RequestServices.GetRequiredService<EventIngestion>()
                .SubmitAsync(body, format, "HTTP body", cancellationToken: cancellationToken).ConfigureAwait(false);
            var statusUri = $"{request.Scheme}://{request.Host}{request.PathBase}/api/events/status";
            return ApiResults.Json(new
            {
                submission.BatchIdentity,
                submission.Records,
                submission.Accepted,
                submission.Quarantined,
                submission.QuarantinedByReason,
                submission.QuarantinePath,
                submission.Experiments,
                submission.Duplicate,
                submission.Aggregators,
                statusQueryGetUri = statusUri,
            }, StatusCodes.Status202Accepted);
        }
        catch (IngestionBackpressureException ex)
        {
            request.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(ex.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiResults.Error(StatusCodes.Status429TooManyRequests, ex.Message);
        }
        catch (EventBatchFormatException ex)
        {
            return ApiResults.BadRequest($"The batch is not valid JSON, so no event was taken: {ex.Message}");
        }
        catch (EmptyBatchException ex)
        {
            return ApiResults.BadRequest(ex.Message);
        }
    }

    /// <summary><c>GET /api/events/status</c>: apply rounds of this process since it started, and each experiment shard's last published round.</summary>
    public async Task<IResult> StatusAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var services = request.HttpContext.RequestServices;
        var cancellationToken = request.HttpContext.RequestAborted;
        var shards = await services.GetRequiredService<ShardStatusReader>().ReadAllAsync(cancellationToken).ConfigureAwait(false);
        var lag = services.GetRequiredService<ApplyLagMonitor>().CurrentLag();
        return ApiResults.Json(new
        {
            applied = services.GetRequiredService<ApplyMetrics>().Snapshot(),
            outstandingLagMs = lag.Lag.TotalMilliseconds,
            shards,
        });
    }

    /// <summary>
    /// JSON lines when the content type says so (<c>application/x-ndjson</c>, <c>application/jsonl</c>) or the body does
    /// not start with '['; a JSON array otherwise. Null for a body of only whitespace.
    /// </summary>
    internal static string? DetectFormat(ReadOnlySpan<byte> body, string? contentType)
    {
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) body = body[3..];
        var trimmed = body.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty) return null;
        var type = contentType ?? "";
        if (type.Contains("ndjson", StringComparison.OrdinalIgnoreCase) || type.Contains("jsonl", StringComparison.OrdinalIgnoreCase)
            || type.Contains("json-seq", StringComparison.OrdinalIgnoreCase))
        {
            return BatchFormats.JsonLines;
        }
        return trimmed[0] == (byte)'[' ? BatchFormats.JsonArray : BatchFormats.JsonLines;
    }
}
