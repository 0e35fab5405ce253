namespace Serverless.Forecasting.Features;

/// <summary>
/// What a backtest origin could have known of the temperature ahead: not the temperature that was
/// later observed, but an outlook made on the day. The outlook is the seasonal normal (the same days
/// in earlier years of the history, +-3 days) plus the current anomaly (last 3 days against their
/// normal) fading by 0.8 a day, the shape of a short-range forecast that returns to climate.
/// The live run reads the weather forecast it is given; only backtest origins need this.
/// </summary>
internal static class TemperatureOutlook
{
    private const double Decay = 0.8;
    private const int Year = 364;
    private const int HalfWindow = 3;

    /// <summary>Overwrites every day from <paramref name="origin"/> on with the outlook as of that day.</summary>
    public static void ReplaceFrom(float[] temperature, int origin)
    {
        if (origin <= 0 || origin >= temperature.Length) return;
        double anomaly = 0;
        var known = 0;
        for (var d = origin - 3; d < origin; d++)
        {
            var normal = Normal(temperature, d, origin);
            if (d < 0 || float.IsNaN(temperature[d]) || double.IsNaN(normal)) continue;
            anomaly += temperature[d] - normal;
            known++;
        }
        anomaly = known == 0 ? 0 : anomaly / known;
        var last = LastKnown(temperature, origin);
        var factor = 1.0;
        for (var d = origin; d < temperature.Length; d++)
        {
            factor *= Decay;
            var normal = Normal(temperature, d, origin);
            temperature[d] = double.IsNaN(normal) ? last : (float)Math.Round(normal + factor * anomaly, 1);
        }
    }

    /// <summary>Mean of the same days (+-3) one, two and three years back, read only before <paramref name="origin"/>.</summary>
    private static double Normal(float[] temperature, int day, int origin)
    {
        double sum = 0;
        var count = 0;
        for (var y = 1; y <= 3; y++)
        {
            for (var k = -HalfWindow; k <= HalfWindow; k++)
            {
                var d = day - y * Year + k;
                if (d < 0 || d >= origin || float.IsNaN(temperature[d])) continue;
                sum += temperature[d];
                count++;
            }
        }
        return count == 0 ? double.NaN : sum / count;
    }

    private static float LastKnown(float[] temperature, int origin)
    {
        for (var d = origin - 1; d >= 0; d--)
        {
            if (!float.IsNaN(temperature[d])) return temperature[d];
        }
        return float.NaN;
    }
}
