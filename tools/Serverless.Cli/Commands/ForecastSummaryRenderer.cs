using System.Globalization;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Charts;
using Serverless.Forecasting.Forecasts;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;
using Serverless.Workflows.Forecasting;
using Spectre.Console;

namespace Serverless.Cli.Commands;

/// <summary>What <c>serverless run</c> prints at the end: the model against the baselines, each store, the chart and the files.</summary>
internal static class ForecastSummaryRenderer
{
    public static async Task WriteAsync(IBlobStore blobs, WeeklyForecastOutput output, IReadOnlyList<(string Stage, TimeSpan Time, int Activities)> stages,
        string chartPath, CancellationToken cancellationToken)
    {
        var model = output.Model;
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"[bold]Weekly forecast[/] run {output.RunDate}, target week {output.WeekStart} to {output.WeekEnd}: [bold]{Markup.Escape(output.Decision)}[/]{(output.Reviewer is null ? "" : $" by {Markup.Escape(output.Reviewer)}")}");
        AnsiConsole.MarkupLine(model.Promoted
            ? $"model [green]promoted[/] ({Markup.Escape(model.Version)}): {Markup.Escape(model.Reason)}"
            : $"model [yellow]not promoted[/], forecasts fall back to [bold]{Markup.Escape(model.Name)}[/]: {Markup.Escape(model.Reason)}");

        var backtest = new Table().Title($"Backtest, service level {model.ServiceLevel:0.##}").AddColumns("method", "WAPE", "SMAPE", "MAE", "bias", $"pinball", "stock-out rate", "over-stock units");
        foreach (var m in model.Backtest)
        {
            backtest.AddRow(Markup.Escape(m.Method), F(m.Wape, "0.000"), F(m.Smape, "0.0%"), F(m.Mae, "0.00"), F(m.Bias, "+0.000;-0.000"), F(m.PinballLoss, "0.000"),
                F(m.StockOutRateVsRecorded, "0.0%"), F(m.OverStockUnits, "N0"));
        }
        AnsiConsole.Write(backtest);
        if (model.Backtest.Count == 3)
        {
            var better = model.Backtest.Skip(1).MinBy(b => b.Wape)!;
            var betterPinball = model.Backtest.Skip(1).MinBy(b => b.PinballLoss)!;
            var betterSmape = model.Backtest.Skip(1).MinBy(b => b.Smape)!;
            AnsiConsole.MarkupLine($"model vs better baseline: WAPE {Change(model.Backtest[0].Wape, better.Wape)} ({Markup.Escape(better.Method)}), SMAPE {Change(model.Backtest[0].Smape, betterSmape.Smape)} ({Markup.Escape(betterSmape.Method)}), pinball {Change(model.Backtest[0].PinballLoss, betterPinball.PinballLoss)} ({Markup.Escape(betterPinball.Method)})");
        }

        var published = output.Published.ToDictionary(p => p.Store, StringComparer.Ordinal);
        var stores = new Table().Title("Stores").AddColumns("store", "items", "forecast units", "order units", "published", "file");
        foreach (var s in output.Stores)
        {
            published.TryGetValue(s.Store, out var file);
            stores.AddRow(Markup.Escape(s.Store), s.Items.ToString(CultureInfo.InvariantCulture), F(s.ForecastUnits, "N0"),
                (file?.Units ?? s.OrderUnits).ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(file?.Outcome ?? "no"), Markup.Escape(file?.Path ?? ""));
        }
        stores.AddRow("[bold]total[/]", output.Stores.Sum(s => s.Items).ToString(CultureInfo.InvariantCulture), F(output.Stores.Sum(s => s.ForecastUnits), "N0"),
            (output.Published.Count > 0 ? output.Published.Sum(p => p.Units) : output.Stores.Sum(s => s.OrderUnits)).ToString("N0", CultureInfo.InvariantCulture), "", "");
        AnsiConsole.Write(stores);
        AnsiConsole.MarkupLine($"review: {Markup.Escape(output.Review.Summary)}");
        foreach (var failed in (output.Notifications ?? []).Where(n => !n.Delivered))
        {
            AnsiConsole.MarkupLine($"[yellow]notification {Markup.Escape(failed.Describe())}[/]");
        }

        if (stages.Count > 0)
        {
            AnsiConsole.MarkupLine("stages: " + string.Join(", ", stages.Select(s => $"{s.Stage} {RunCommand.Seconds(s.Time)}{(s.Activities > 1 ? $" ({s.Activities} activities)" : "")}")));
        }

        var chart = await RenderChartAsync(blobs, output, chartPath, cancellationToken);
        if (chart is not null) AnsiConsole.MarkupLine($"chart: {Markup.Escape(chart)}");
        var folder = (blobs as FileSystemBlobStore)?.RootDirectory;
        AnsiConsole.MarkupLine($"artifacts: {Markup.Escape(Local(folder, output.Artifacts))}");
        if (output.Published.Count > 0)
        {
            AnsiConsole.MarkupLine($"published store files ({output.Published.Count(p => p.Outcome == "created")} new, {output.Published.Count(p => p.Outcome == "already-present")} already there):");
            foreach (var p in output.Published) AnsiConsole.MarkupLine($"  {Markup.Escape(Local(folder, p.Path))}{(p.Outcome == "conflict" ? " [red](a different file was already published for this week; left unchanged)[/]" : "")}");
        }
    }

    /// <summary>When the run waits for a person: what was flagged and how to answer.</summary>
    public static async Task WriteReviewWaitingAsync(IBlobStore blobs, string instanceId, CancellationToken cancellationToken)
    {
        var pointer = await ForecastArtifacts.ReadJsonAsync<ForecastReviewPointer>(blobs, ForecastArtifacts.ReviewPointer(instanceId), cancellationToken);
        var package = await ForecastArtifacts.ReadJsonAsync<ForecastReviewPackage>(blobs, pointer.PackagePath, cancellationToken);
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(instanceId)}[/] waits for a review of week {package.WeekStart} to {package.WeekEnd} until {pointer.Deadline:u}: {Markup.Escape(package.Summary)}");
        if (package.Flags.Count > 0)
        {
            var flags = new Table().AddColumns("store", "item", "severity", "message");
            foreach (var f in package.Flags.Take(15)) flags.AddRow(Markup.Escape(f.Store), Markup.Escape(f.Item), Markup.Escape(f.Severity), Markup.Escape(f.Message));
            AnsiConsole.Write(flags);
            if (package.Flags.Count > 15) AnsiConsole.MarkupLine($"... and {package.Flags.Count - 15} more (see {Markup.Escape(pointer.PackagePath)})");
        }
        AnsiConsole.MarkupLine("decide with one of:");
        Console.WriteLine($"  serverless workflows raise {instanceId} {WeeklyForecastOrchestrator.ReviewEvent} --data '{{\"decision\":\"approve\",\"reviewer\":\"your name\"}}'");
        Console.WriteLine($"  serverless workflows raise {instanceId} {WeeklyForecastOrchestrator.ReviewEvent} --data '{{\"decision\":\"adjust\",\"reviewer\":\"your name\",\"adjustments\":[{{\"store\":\"S01\",\"item\":\"ITEM\",\"weekUnits\":120}}]}}'");
        Console.WriteLine($"  serverless workflows raise {instanceId} {WeeklyForecastOrchestrator.ReviewEvent} --data '{{\"decision\":\"reject\",\"reviewer\":\"your name\",\"comment\":\"why\"}}'");
        Console.WriteLine($"or, with `serverless host` running, open /review.html?instance={instanceId}");
    }

    /// <summary>History, forecast and order of the three largest series of the first store (flagged ones first).</summary>
    private static async Task<string?> RenderChartAsync(IBlobStore blobs, WeeklyForecastOutput output, string chartPath, CancellationToken cancellationToken)
    {
        var store = output.Stores.FirstOrDefault();
        if (store is null) return null;
        var history = StoreHistorySerializer.FromBytes(await blobs.ReadAllBytesAsync(store.AggregatePath, cancellationToken));
        var forecast = await ForecastArtifacts.ReadJsonAsync<StoreForecast>(blobs, store.ForecastPath, cancellationToken);
        var package = await ForecastArtifacts.ReadJsonAsync<ForecastReviewPackage>(blobs, output.Review.PackagePath, cancellationToken);
        var flagged = package.Series.Where(s => s.Store == store.Store && s.Flags.Count > 0).Select(s => s.Item).ToList();
        var items = flagged.Concat(forecast.Items.OrderByDescending(i => i.PointTotal).Select(i => i.Item))
            .Distinct().Where(i => history.IndexOf(i) >= 0).Take(3).ToList();
        if (items.Count == 0) return null;
        var png = ForecastChart.RenderPng(history, forecast, items);
        var full = Path.GetFullPath(chartPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllBytesAsync(full, png, cancellationToken);
        return full;
    }

    private static string Local(string? folder, string path) =>
        folder is null ? path : Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(folder, path.Replace('/', Path.DirectorySeparatorChar)));

    private static string F(double value, string format) => double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string Change(double model, double baseline) =>
        baseline <= 0 || double.IsNaN(baseline) ? "n/a" : ((model - baseline) / baseline).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture);
}
