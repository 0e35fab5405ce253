using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Features;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Forecasting.Tests;

/// <summary>The seasonal ratio features on a chain whose level drops every year from late November into December.</summary>
public class SeasonalFeatureTests
{
    private static readonly Lazy<IReadOnlyList<StoreHistory>> Seasonal = new(() =>
    {
        var end = new DateOnly(2024, 12, 20);
        var chain = ChainGenerator.Generate(new GeneratorOptions
        {
            Seed = 11, Start = new DateOnly(2020, 6, 1), End = end, StoreCount = 4, ItemCount = 8, Seasonality = SeasonalityOptions.WinterDrop,
        });
        var config = ForecastConfig.Default;
        return StoreAggregator.AggregateAll(chain.Records(), end.AddDays(1), new AggregationOptions
        {
            FutureDays = config.FutureDays, MaxHistoryDays = config.RequiredHistoryDays, Catalogue = chain.Catalogue, Weather = chain.Weather, PricePlan = chain.BuildPricePlan(),
        });
    });

    [Fact]
    public void Last_years_drop_is_carried_into_target_weeks_after_the_shift()
    {
        var histories = Seasonal.Value;
        var pool = PooledLevels.Build(histories);
        var vocabulary = FeatureVocabulary.From(histories);
        var week = Array.IndexOf(FeatureSet.Names, "seasonWeekRatio");
        var month = Array.IndexOf(FeatureSet.Names, "seasonMonthRatio");
        var yearAgo = Array.IndexOf(FeatureSet.Names, "yearAgoRatio");
        // Each series' real move from its last 28 days to the target week, against what each feature said it would be.
        var errors = new Dictionary<string, List<double>>();
        void Add(string name, double actual, double predicted)
        {
            if (double.IsNaN(predicted) || double.IsNaN(actual) || actual <= 0) return;
            (errors.TryGetValue(name, out var list) ? list : errors[name] = []).Add(Math.Abs(Math.Log(actual / predicted)));
        }
        var ratios = new List<double>();
        foreach (var originDate in new[] { new DateOnly(2024, 11, 30), new DateOnly(2024, 12, 7) })
        {
            foreach (var history in histories)
            {
                var origin = history.DayOf(originDate);
                for (var item = 0; item < history.Items.Count; item++)
                {
                    var series = new SeriesWindow(history, item);
                    var actual = series.CleanMean(origin + 2, origin + 9) / series.CleanMean(origin - FeatureSet.LevelDays, origin);
                    var pooled = new float[FeatureSet.Count];
                    var alone = new float[FeatureSet.Count];
                    Assert.True(FeatureSet.TryBuild(series, vocabulary, pool, origin, origin + 5, pooled, out _));
                    Assert.True(FeatureSet.TryBuild(series, vocabulary, null, origin, origin + 5, alone, out _));
                    Add("week", actual, pooled[week]);
                    Add("month", actual, pooled[month]);
                    Add("week, series alone", actual, alone[week]);
                    Add("year ago, series alone", actual, pooled[yearAgo]);
                    Add("no change", actual, 1);
                    ratios.Add(pooled[week]);
                }
            }
        }
        var mean = errors.ToDictionary(e => e.Key, e => e.Value.Average());
        var text = string.Join(", ", mean.Select(m => $"{m.Key} {m.Value:0.000}"));
        // The level falls: the features say so.
        Assert.InRange(ratios.Average(), 0.70, 0.90);
        // Three pooled years beat one year of the series alone, and both beat "no change".
        Assert.True(mean["week"] < 0.8 * mean["no change"], text);
        Assert.True(mean["month"] < 0.8 * mean["no change"], text);
        Assert.True(mean["week"] < mean["year ago, series alone"], text);
        // Shrinking towards the item and the chain helps a noisy week.
        Assert.True(mean["week"] <= mean["week, series alone"], text);
    }

    [Fact]
    public void Without_a_shift_ahead_the_ratios_stay_near_one()
    {
        var histories = Seasonal.Value;
        var pool = PooledLevels.Build(histories);
        var vocabulary = FeatureVocabulary.From(histories);
        var month = Array.IndexOf(FeatureSet.Names, "seasonMonthRatio");
        var values = new List<double>();
        foreach (var history in histories)
        {
            var origin = history.DayOf(new DateOnly(2024, 5, 18));
            for (var item = 0; item < history.Items.Count; item++)
            {
                var features = new float[FeatureSet.Count];
                Assert.True(FeatureSet.TryBuild(new SeriesWindow(history, item), vocabulary, pool, origin, origin + 5, features, out _));
                values.Add(features[month]);
            }
        }
        // Late May to early June: no month factor changes; temperature moves some items a little.
        Assert.InRange(values.Average(), 0.9, 1.15);
    }
}
