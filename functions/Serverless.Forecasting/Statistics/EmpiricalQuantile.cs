namespace Serverless.Forecasting.Statistics;

/// <summary>Sample quantiles (linear interpolation between order statistics, type 7).</summary>
public static class EmpiricalQuantile
{
    public static double Of(IReadOnlyList<double> sortedValues, double level)
    {
        if (sortedValues.Count == 0) return double.NaN;
        var position = level * (sortedValues.Count - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sortedValues.Count - 1);
        return sortedValues[below] + (position - below) * (sortedValues[above] - sortedValues[below]);
    }
}
