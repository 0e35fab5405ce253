using ScottPlot;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Forecasts;

namespace Serverless.Forecasting.Charts;

/// <summary>
/// A PNG for a person reviewing the forecast: for each chosen item, recent daily sales, the point
/// forecast of the target week and the order quantity, one panel per item.
/// </summary>
public static class ForecastChart
{
    public static byte[] RenderPng(StoreHistory history, StoreForecast forecast, IReadOnlyList<string> items, int historyDays = 56, int width = 1000, int panelHeight = 260)
    {
        if (items.Count == 0) throw new ArgumentException("choose at least one item to chart", nameof(items));
        var multiplot = new Multiplot();
        multiplot.AddPlots(items.Count);
        for (var p = 0; p < items.Count; p++)
        {
            var plot = multiplot.GetPlot(p);
            Draw(plot, history, forecast, items[p], historyDays);
        }
        var image = multiplot.Render(width, panelHeight * items.Count);
        return image.GetImageBytes(ImageFormat.Png);
    }

    private static void Draw(Plot plot, StoreHistory history, StoreForecast forecast, string itemId, int historyDays)
    {
        var item = history.IndexOf(itemId);
        var predicted = forecast.Find(itemId);
        if (item < 0 || predicted is null) throw new ArgumentException($"item '{itemId}' is not in both the history and the forecast of store {history.StoreId}");
        var sales = history.Sales(item).ToArray();
        var from = Math.Max(0, sales.Length - historyDays);
        var historyX = Enumerable.Range(from, sales.Length - from).Select(d => ToX(history.DateOf(d))).ToArray();
        var historyY = Enumerable.Range(from, sales.Length - from).Select(d => (double)sales[d]).ToArray();
        var targetX = forecast.TargetDates.Select(ToX).ToArray();

        var recorded = plot.Add.Scatter(historyX, historyY);
        recorded.LegendText = "recorded sales";
        recorded.MarkerSize = 3;
        var point = plot.Add.Scatter(targetX, predicted.Point.ToArray());
        point.LegendText = "forecast";
        point.LinePattern = LinePattern.Dashed;
        point.MarkerSize = 4;
        var order = plot.Add.Scatter(targetX, predicted.Order.Select(o => (double)o).ToArray());
        order.LegendText = $"order (service level {forecast.ServiceLevel:0.##})";
        order.ConnectStyle = ConnectStyle.StepHorizontal;
        order.MarkerSize = 0;
        order.LineWidth = 2;

        plot.Axes.DateTimeTicksBottom();
        plot.Title($"{history.StoreId} / {itemId} ({predicted.Source})");
        plot.YLabel("units per day");
        plot.ShowLegend(Alignment.UpperLeft);
    }

    private static double ToX(DateOnly date) => date.ToDateTime(TimeOnly.MinValue).ToOADate();
}
