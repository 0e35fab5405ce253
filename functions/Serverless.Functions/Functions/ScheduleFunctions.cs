using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Serverless.Functions.Runtime;

namespace Serverless.Functions.Functions;

/// <summary>
/// The schedules: each timer starts its workflow through <see cref="ScheduledStart"/>. The cron expressions are
/// app settings (six-field NCRONTAB, UTC on Linux plans; see docs/operations.md).
/// </summary>
public sealed class ScheduleFunctions(IConfiguration configuration, TimeProvider clock, ILogger<ScheduleFunctions> logger)
{
    [Function("WeeklyForecastTimer")]
    public Task WeeklyForecast([TimerTrigger("%WeeklyForecastSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        ScheduledStart.RunAsync("WeeklyForecast", client, configuration, clock.GetUtcNow().UtcDateTime, logger);

    [Function("RecommendationRefreshTimer")]
    public Task RecommendationRefresh([TimerTrigger("%RecommendationRefreshSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        ScheduledStart.RunAsync("RecommendationRefresh", client, configuration, clock.GetUtcNow().UtcDateTime, logger);
}
