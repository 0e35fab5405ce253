namespace Serverless.Forecasting.Features;

/// <summary>
/// The pooled (item over all stores, chain) seasonal ratios of one origin's target days, saved with
/// a model: the predict step sees one store at a time, so the other stores' part of the features
/// travels with the model. Computed at training time from sales before the origin only. Rows are
/// <see cref="Items"/> in order, then the chain; columns are the horizons from
/// <see cref="FirstHorizon"/> on. NaN where no earlier year had the data.
/// </summary>
public sealed record PooledSeasonality(
    DateOnly Origin,
    int FirstHorizon,
    int Horizons,
    IReadOnlyList<string> Items,
    IReadOnlyList<double> WeekLog,
    IReadOnlyList<double> WeekVariance,
    IReadOnlyList<double> MonthLog,
    IReadOnlyList<double> MonthVariance)
{
    internal static PooledSeasonality Capture(LevelPool pool, IReadOnlyList<string> items, DateOnly origin, int firstHorizon, int horizons)
    {
        var size = (items.Count + 1) * horizons;
        var weekLog = new double[size];
        var weekVariance = new double[size];
        var monthLog = new double[size];
        var monthVariance = new double[size];
        var o = origin.DayNumber;
        for (var row = 0; row <= items.Count; row++)
        {
            for (var h = 0; h < horizons; h++)
            {
                var t = o + firstHorizon + h;
                var (week, month) = row < items.Count ? pool.Item(items[row], o, t) : pool.Chain(o, t);
                var i = row * horizons + h;
                (weekLog[i], weekVariance[i], monthLog[i], monthVariance[i]) = (week.Value, week.Variance, month.Value, month.Variance);
            }
        }
        return new PooledSeasonality(origin, firstHorizon, horizons, items, weekLog, weekVariance, monthLog, monthVariance);
    }

    /// <summary>A pool that answers for this origin and its target days only, and None otherwise.</summary>
    internal LevelPool AsPool() => new Snapshot(this);

    private sealed class Snapshot(PooledSeasonality saved) : LevelPool
    {
        private readonly Dictionary<string, int> _rows = saved.Items.Select((item, row) => (item, row)).ToDictionary(p => p.item, p => p.row, StringComparer.Ordinal);

        public override (LogRatio Week, LogRatio Month) Item(string item, int origin, int target) =>
            _rows.TryGetValue(item, out var row) ? At(row, origin, target) : (LogRatio.None, LogRatio.None);

        public override (LogRatio Week, LogRatio Month) Chain(int origin, int target) => At(saved.Items.Count, origin, target);

        private (LogRatio Week, LogRatio Month) At(int row, int origin, int target)
        {
            var h = target - origin - saved.FirstHorizon;
            if (origin != saved.Origin.DayNumber || h < 0 || h >= saved.Horizons) return (LogRatio.None, LogRatio.None);
            var i = row * saved.Horizons + h;
            return (new LogRatio(saved.WeekLog[i], saved.WeekVariance[i]), new LogRatio(saved.MonthLog[i], saved.MonthVariance[i]));
        }
    }
}
