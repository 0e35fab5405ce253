using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Configuration;

namespace Serverless.Hosting.Security;

/// <summary>
/// Counts requests with a wrong or missing key per client address: after <c>Serverless:Host:WrongKeyLimit</c>
/// of them (default 10) within <c>Serverless:Host:WrongKeyWindow</c> (default one minute), the address is refused
/// until the window ends, even with a right key, so a key cannot be found by trying (a right key that still got
/// through would tell the guesser it was right).
/// </summary>
public sealed class WrongKeyLimiter : IDisposable
{
    public const string LimitSetting = "Serverless:Host:WrongKeyLimit";
    public const string WindowSetting = "Serverless:Host:WrongKeyWindow";

    private readonly PartitionedRateLimiter<string> _limiter;

    public WrongKeyLimiter(int limit, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        Limit = limit;
        Window = window;
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = window, QueueLimit = 0, AutoReplenishment = true }));
    }

    public int Limit { get; }

    public TimeSpan Window { get; }

    public static WrongKeyLimiter FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var limitText = configuration[LimitSetting];
        var limit = 10;
        if (!string.IsNullOrWhiteSpace(limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
            throw new InvalidOperationException($"{LimitSetting} = '{limitText}' is not a whole number of at least 1.");
        var windowText = configuration[WindowSetting];
        var window = TimeSpan.FromMinutes(1);
        if (!string.IsNullOrWhiteSpace(windowText) && (!TimeSpan.TryParse(windowText, CultureInfo.InvariantCulture, out window) || window <= TimeSpan.Zero))
            throw new InvalidOperationException($"{WindowSetting} = '{windowText}' is not a positive duration (hh:mm:ss).");
        return new WrongKeyLimiter(limit, window);
    }

    /// <summary>True while <paramref name="client"/> has used up its wrong keys for the current window.</summary>
    public bool IsBlocked(string client) => _limiter.GetStatistics(client)?.CurrentAvailablePermits <= 0;

    public void RecordFailure(string client)
    {
        using var lease = _limiter.AttemptAcquire(client);
    }

    public void Dispose() => _limiter.Dispose();
}
