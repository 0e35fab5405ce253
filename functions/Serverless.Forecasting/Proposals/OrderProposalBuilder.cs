using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Serverless.Forecasting.Forecasts;
using Serverless.Forecasting.Modeling;
using Serverless.Forecasting.Serialization;

namespace Serverless.Forecasting.Proposals;

/// <summary>
/// The publish step for one store: applies a person's overrides to the forecast's orders and
/// renders the proposal as CSV and JSON plus its manifest. The same inputs always give the same
/// bytes, so publishing twice is detectably the same (compare <see cref="ProposalManifest.CsvSha256"/>).
/// </summary>
public static class OrderProposalBuilder
{
    /// <param name="forecast">The store's forecast from the predict step.</param>
    /// <param name="overrides">Overrides for any stores; only this store's are applied.</param>
    /// <param name="model">The manifest of the model that made the forecast.</param>
    /// <param name="storeDataHash">Hash of the store's aggregated history (<c>StoreHistorySerializer.ContentHash</c>).</param>
    /// <param name="codeVersion">The code version to record.</param>
    public static OrderProposal Build(StoreForecast forecast, IReadOnlyList<OrderOverride> overrides, ModelInfo model, string storeDataHash, string codeVersion)
    {
        var mine = overrides.Where(o => o.Store == forecast.Store).ToList();
        var duplicates = mine.GroupBy(o => o.Item).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0) throw new ArgumentException($"store '{forecast.Store}': more than one override for {string.Join(", ", duplicates)}");
        var applied = new List<AppliedOverride>();
        var lines = new List<ProposalLine>();
        var totals = new List<ProposalTotal>();
        foreach (var item in forecast.Items.OrderBy(i => i.Item, StringComparer.Ordinal))
        {
            var proposed = item.Order.ToArray();
            var final = proposed;
            var change = mine.FirstOrDefault(o => o.Item == item.Item);
            if (change is not null)
            {
                final = Apply(change, proposed, forecast.Days);
                applied.Add(new AppliedOverride(item.Item, proposed, final, change.Reason));
            }
            for (var d = 0; d < forecast.Days; d++)
            {
                lines.Add(new ProposalLine(item.Item, forecast.TargetStart.AddDays(d), item.Point[d], proposed[d], final[d], change is not null));
            }
            totals.Add(new ProposalTotal(item.Item, Math.Round(item.PointTotal, 3), final.Sum()));
        }
        var unknown = mine.Select(o => o.Item).Except(forecast.Items.Select(i => i.Item)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"store '{forecast.Store}': override for unknown item(s) {string.Join(", ", unknown)}; the forecast has no such series");
        }

        var targetEnd = forecast.TargetStart.AddDays(forecast.Days);
        var csv = Encoding.UTF8.GetBytes(ToCsv(forecast.Store, lines));
        var json = JsonSerializer.SerializeToUtf8Bytes(new ProposalDocument(forecast.Store, forecast.RunDate, forecast.TargetStart, targetEnd,
            forecast.ServiceLevel, forecast.Method, forecast.ModelVersion, lines, totals), ForecastJsonContext.Default.ProposalDocument);
        var backtest = model.Backtest;
        var manifest = new ProposalManifest(forecast.Store, forecast.RunDate, forecast.TargetStart, targetEnd, forecast.ServiceLevel,
            forecast.Method, forecast.ModelVersion, model.Promotion.Promoted, model.Promotion.Reason, storeDataHash, model.TrainingDataHash,
            codeVersion, model.Config, [backtest.Model, backtest.SameWeekdayLastWeek, backtest.MeanOfLastFourSameWeekdays],
            applied, Sha256(csv), Sha256(json));
        var manifestJson = JsonSerializer.SerializeToUtf8Bytes(manifest, ForecastJsonContext.Default.ProposalManifest);
        return new OrderProposal(forecast.Store, csv, json, manifest, manifestJson);
    }

    private static int[] Apply(OrderOverride change, int[] proposed, int days)
    {
        var where = $"override for store '{change.Store}', item '{change.Item}'";
        if ((change.WeekUnits is null) == (change.DailyUnits is null))
            throw new ArgumentException($"{where}: give either week units or daily units, not both or neither");
        if (change.DailyUnits is { } daily)
        {
            if (daily.Count != days) throw new ArgumentException($"{where}: {daily.Count} daily values for a {days}-day week");
            if (daily.Any(u => u < 0)) throw new ArgumentException($"{where}: daily units must not be negative");
            return daily.ToArray();
        }
        var week = change.WeekUnits!.Value;
        if (week < 0) throw new ArgumentException($"{where}: week units must not be negative, found {week}");
        return Spread(week, proposed);
    }

    /// <summary>Spreads a weekly total over the days like the proposed orders (evenly when they are all zero), largest remainder first.</summary>
    internal static int[] Spread(int total, IReadOnlyList<int> shape)
    {
        var weights = shape.Sum() > 0 ? shape.Select(s => (double)s).ToArray() : Enumerable.Repeat(1.0, shape.Count).ToArray();
        var sum = weights.Sum();
        var exact = weights.Select(w => total * w / sum).ToArray();
        var result = exact.Select(e => (int)Math.Floor(e)).ToArray();
        var left = total - result.Sum();
        foreach (var d in Enumerable.Range(0, shape.Count).OrderByDescending(d => exact[d] - result[d]).ThenBy(d => d).Take(left)) result[d]++;
        return result;
    }

    private static string ToCsv(string store, IReadOnlyList<ProposalLine> lines)
    {
        var text = new StringBuilder("store,item,date,forecast,proposed_order,order,overridden\n");
        foreach (var l in lines)
        {
            text.Append(store).Append(',').Append(l.Item).Append(',')
                .Append(l.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(',')
                .Append(l.Forecast.ToString("0.###", CultureInfo.InvariantCulture)).Append(',')
                .Append(l.ProposedOrder.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(l.Order.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(l.Overridden ? "true" : "false").Append('\n');
        }
        return text.ToString();
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
