using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Definitions;

namespace Serverless.Experiments.Statistics;

/// <summary>One variant's estimate: period-stratified (the one to use) and pooled (shown for comparison).</summary>
/// <param name="Estimate">Σ_g w_g·m_{g,v}: the per-period means weighted by the period's share of all users.</param>
/// <param name="Variance">Σ_g w_g²·s²_{g,v}/n_{g,v}, the variance of <paramref name="Estimate"/>.</param>
/// <param name="Pooled">All users of the variant together, whatever period they came in: confounded by time when weights move.</param>
public sealed record StratifiedEstimate(long Users, double Estimate, double Variance, double Pooled);

/// <summary>A variant against the control: the stratified difference and its variance, and the pooled difference.</summary>
public sealed record StratifiedDifference(double Effect, double Variance, double PooledEffect, long Users);

/// <summary>The per-variant estimates and the periods they were built from.</summary>
/// <param name="Strata">Groups of consecutive weight periods used as strata (a period lacking users in some variant joins its neighbour).</param>
public sealed record StratifiedEstimates(IReadOnlyList<StratifiedEstimate> Variants, int Strata, long Users);

/// <summary>
/// Estimates that hold while a bandit moves the weights. Users are grouped by the allocation period of their first
/// exposure; within a period every variant drew users from the same population at the same time, so per-period means are
/// comparable. They are combined with weights w_g = (users in period g) / (all users), the same for every variant, so each
/// variant's estimate stands for the same mix of time. Pooling instead weights each variant's periods by its own traffic,
/// and when base rates drift the variant that got more traffic later inherits the drift (Simpson's paradox). This is what
/// GrowthBook does for its bandits (per-period estimates combined by period weight). A period that lacks two users in
/// some variant is merged into the neighbouring period.
/// </summary>
public static class PeriodStratifiedEstimator
{
    public const int MinimumUsersPerCell = 2;

    public static StratifiedEstimates Estimate(PeriodCounts counts, PrimaryMetric metric)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var groups = GroupPeriods(counts);
        var k = counts.Variants;
        var totalUsers = 0L;
        foreach (var g in groups) totalUsers += g.Total;

        var estimates = new StratifiedEstimate[k];
        for (var v = 0; v < k; v++)
        {
            long users = 0;
            double pooledSum = 0, estimate = 0, variance = 0;
            foreach (var g in groups)
            {
                var n = g.Exposed[v];
                users += n;
                pooledSum += metric == PrimaryMetric.Conversion ? g.Converted[v] : g.Exposed[v] * g.Mean[v];
                if (totalUsers == 0 || n == 0) continue;
                var w = (double)g.Total / totalUsers;
                var (mean, cellVariance) = Cell(g, v, metric);
                estimate += w * mean;
                variance += w * w * cellVariance / n;
            }
            var pooled = users == 0 ? double.NaN : pooledSum / users;
            estimates[v] = users == 0 ? new StratifiedEstimate(0, double.NaN, double.NaN, double.NaN) : new StratifiedEstimate(users, estimate, variance, pooled);
        }
        return new StratifiedEstimates(estimates, groups.Count, totalUsers);
    }

    /// <summary>Treatment minus control, stratified and pooled.</summary>
    public static StratifiedDifference? Difference(StratifiedEstimates estimates, int treatment, int control)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        var t = estimates.Variants[treatment];
        var c = estimates.Variants[control];
        if (t.Users == 0 || c.Users == 0) return null;
        return new StratifiedDifference(t.Estimate - c.Estimate, t.Variance + c.Variance, t.Pooled - c.Pooled, t.Users + c.Users);
    }

    private static (double Mean, double Variance) Cell(Group g, int v, PrimaryMetric metric)
    {
        var n = g.Exposed[v];
        if (metric == PrimaryMetric.Conversion)
        {
            var p = (double)g.Converted[v] / n;
            return (p, p * (1 - p));
        }
        return (g.Mean[v], n < 2 ? 0 : g.M2[v] / (n - 1));
    }

    /// <summary>Consecutive periods pooled into one stratum: counts, and per variant the mean and the sum of squared deviations.</summary>
    private sealed class Group(int variants)
    {
        public readonly long[] Exposed = new long[variants];
        public readonly long[] Converted = new long[variants];
        public readonly double[] Mean = new double[variants];
        public readonly double[] M2 = new double[variants];
        public long Total;

        public void Add(PeriodCounts counts, int period)
        {
            for (var v = 0; v < Exposed.Length; v++)
            {
                var n = counts.Exposed(period, v);
                if (n == 0) continue;
                var mean = counts.ValueSum(period, v) / n;
                var m2 = (counts.ValueVariance(period, v) ?? 0) * (n - 1);
                Merge(v, n, counts.Converted(period, v), mean, m2);
            }
        }

        public void Add(Group other)
        {
            for (var v = 0; v < Exposed.Length; v++)
            {
                if (other.Exposed[v] > 0) Merge(v, other.Exposed[v], other.Converted[v], other.Mean[v], other.M2[v]);
            }
        }

        /// <summary>Chan, Golub and LeVeque's pairwise update: no cancellation however large the mean.</summary>
        private void Merge(int v, long n, long converted, double mean, double m2)
        {
            var before = Exposed[v];
            var total = before + n;
            var delta = mean - Mean[v];
            Mean[v] += delta * n / total;
            M2[v] += m2 + delta * delta * before * n / total;
            Exposed[v] = total;
            Converted[v] += converted;
            Total += n;
        }

        public bool Complete => Exposed.All(n => n >= MinimumUsersPerCell);
    }

    /// <summary>Consecutive periods grouped until every variant has enough users; a short tail joins the last group.</summary>
    private static List<Group> GroupPeriods(PeriodCounts counts)
    {
        var groups = new List<Group>();
        var open = new Group(counts.Variants);
        for (var p = 0; p < counts.Periods; p++)
        {
            open.Add(counts, p);
            if (!open.Complete) continue;
            groups.Add(open);
            open = new Group(counts.Variants);
        }
        if (open.Total > 0)
        {
            if (groups.Count > 0) groups[^1].Add(open);
            else groups.Add(open);
        }
        return groups;
    }
}
