using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Experiments.Events;
using Serverless.Hosting.Api.Experiments;
using Serverless.Workflows.Experiments;

namespace Serverless.Hosting.Api.Events;

/// <summary>
/// <c>POST /api/events</c>: a batch of experiment events, as a JSON array or as JSON lines. The batch is validated,
/// stored once under its identity and handed to an <c>ExperimentAggregation</c> instance; the answer is 202 with that
/// instance and the counts. Bad events are quarantined (counted here by reason); a body that is not valid JSON as a
/// whole is refused with 400 and nothing is stored.
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
            var statusUri = $"{request.Scheme}://{request.Host}{request.PathBase}/api/workflows/{Uri.EscapeDataString(submission.InstanceId)}";
            return ApiResults.Json(new
            {
                id = submission.InstanceId,
                submission.BatchIdentity,
                submission.Records,
                submission.Accepted,
                submission.Quarantined,
                submission.QuarantinedByReason,
                submission.Experiments,
                submission.Duplicate,
                statusQueryGetUri = statusUri,
            }, StatusCodes.Status202Accepted);
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
