using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Hosting.Schedules;

namespace Serverless.Hosting.Api.Schedules;

/// <summary>
/// <c>GET /api/schedules</c> on the local host: each timer schedule with its cron, time zone, whether it is on,
/// and when it is next due. (In Azure the timers are the Function App's own and are listed by the portal.)
/// </summary>
public sealed class SchedulesHandlers
{
    public Task<IResult> ListAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var services = request.HttpContext.RequestServices;
        var runner = services.GetService<ScheduleRunner>();
        if (runner is null) return Task.FromResult(ApiResults.Json(new ScheduleListResponse([], "schedules are off on this host")));
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var rows = runner.Schedules.Select(s => new ScheduleResponse(s.Name, s.Workflow, s.Cron, s.TimeZone.Id, s.Enabled,
            s.Enabled ? s.NextDue(now) : null)).ToList();
        return Task.FromResult(ApiResults.Json(new ScheduleListResponse(rows, null)));
    }
}

public sealed record ScheduleResponse(string Name, string Workflow, string Cron, string TimeZone, bool Enabled, DateTime? NextDueUtc);

public sealed record ScheduleListResponse(IReadOnlyList<ScheduleResponse> Schedules, string? Note);
