using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Forecasting.Configuration;
using Serverless.Storage.Blobs;
using Serverless.Workflows;
using Serverless.Workflows.Common;
using Serverless.Workflows.Forecasting;
using Spectre.Console;

namespace Serverless.Cli.Commands;

/// <summary>
/// <c>serverless run</c>: the main job on this machine, nothing to start by hand. Generates the built-in
/// data when missing, runs <c>WeeklyForecast</c> on the embedded engine for the latest Monday (or
/// <c>--run-date</c>), approves automatically unless <c>--review</c>, and prints the summary, the chart and
/// the published files.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var runDate = new Option<string?>("--run-date") { Description = "The run date (yyyy-MM-dd); sales up to the day before are used. Default: the latest Monday." };
        var config = new Option<string?>("--config") { Description = "A forecast config file (JSON). Default: Serverless:Forecast:ConfigPath, else the built-in defaults." };
        var dataset = new Option<string?>("--dataset") { Description = "The dataset (see `serverless data`). Default: builtin, generated when missing." };
        var seed = new Option<int?>("--seed") { Description = "The model seed (default: the config's, 42)." };
        var review = new Option<bool>("--review") { Description = "Wait for a person's decision instead of approving automatically; prints how to send it." };
        var chart = new Option<string?>("--chart") { Description = "Where to write the PNG chart (default .data/reports/weekly-forecast-RUNDATE.png)." };
        var id = new Option<string?>("--id") { Description = "The instance id (default weekly-forecast-RUNDATE-xxxxxx)." };
        var database = new Option<string?>("--db") { Description = "The engine database (default: Serverless:Engine:DatabasePath, else .data/engine.db)." };
        var command = new Command("run", "Run the weekly forecast end to end here: data, aggregate, train, predict, review, publish.")
        {
            runDate, config, dataset, seed, review, chart, id, database,
        };
        command.SetAction(async (parse, cancellationToken) => await RunAsync(new RunOptions(
            parse.GetValue(runDate), parse.GetValue(config), parse.GetValue(dataset), parse.GetValue(seed), parse.GetValue(review),
            parse.GetValue(chart), parse.GetValue(id), parse.GetValue(database)), cancellationToken));
        return command;
    }

    private sealed record RunOptions(string? RunDate, string? Config, string? Dataset, int? Seed, bool Review, string? Chart, string? Id, string? Database);

    private static async Task<int> RunAsync(RunOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var runDate = options.RunDate is null ? ForecastMainJob.LatestMonday(today) : ParseDate(options.RunDate);
        if (options.Config is not null && !File.Exists(options.Config)) throw new CliUsageException($"--config: {options.Config} does not exist.");
        if (options.Id is not null && WorkflowInstanceIds.Explain(options.Id, forNewInstance: true) is { } idProblem)
            throw new CliUsageException($"--id '{WorkflowInstanceIds.Shown(options.Id)}' is not valid: {idProblem}.");
        await using var runtime = CliRuntime.Create(options.Database);
        var blobs = runtime.Services.GetRequiredService<IBlobStore>();
        var settings = ForecastWorkflowSettings.From(runtime.Services.GetRequiredService<IConfiguration>());
        var dataset = options.Dataset ?? settings.Dataset;
        try
        {
            ForecastDatasets.ValidateName(dataset);
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException($"--dataset: {ex.Message}");
        }

        if (dataset == ForecastArtifacts.DefaultDataset)
        {
            var data = Stopwatch.StartNew();
            var (manifest, generated) = await AnsiConsole.Status().StartAsync("checking the built-in data",
                _ => ForecastMainJob.EnsureBuiltinDataAsync(blobs, runDate, today, cancellationToken: cancellationToken));
            AnsiConsole.MarkupLine(generated
                ? $"[green]generated[/] built-in data: {manifest.Stores.Count} stores x {manifest.Items} items, {manifest.FirstDate} to {manifest.LastDate}, {manifest.Rows:N0} rows ({Seconds(data.Elapsed)})"
                : $"built-in data: {manifest.Stores.Count} stores x {manifest.Items} items, {manifest.FirstDate} to {manifest.LastDate} ({manifest.Rows:N0} rows)");
        }
        else if (await ForecastDatasets.ReadManifestAsync(blobs, dataset, cancellationToken) is null)
        {
            throw new CliUsageException($"--dataset: no dataset '{dataset}'; import one with `serverless data import FILE --name {dataset}`.");
        }

        var engine = runtime.Engine;
        await engine.StartAsync(cancellationToken);
        // The file is the user's own: read it here and send its content, so the workflow never opens a path it was given.
        var input = new WeeklyForecastInput(ForecastArtifacts.Date(runDate), null, ReadConfig(options.Config), options.Seed, dataset);
        var instanceId = await engine.Client.ScheduleNewOrchestrationInstanceAsync(WeeklyForecastOrchestrator.Name, input,
            new StartOrchestrationOptions(options.Id ?? $"weekly-forecast-{ForecastArtifacts.Date(runDate)}-{Guid.NewGuid().ToString("N")[..6]}"), cancellationToken);
        if (!options.Review)
        {
            // Raised before the orchestration waits for it: the engine keeps it until the review step.
            await engine.Client.RaiseEventAsync(instanceId, WeeklyForecastOrchestrator.ReviewEvent, ForecastMainJob.AutomaticApproval, cancellationToken);
        }
        AnsiConsole.MarkupLine($"started [bold]{Markup.Escape(instanceId)}[/]: WeeklyForecast for run date {runDate:yyyy-MM-dd}{(options.Review ? ", waiting for your review" : ", approved automatically")}");

        var final = await FollowAsync(engine, instanceId, cancellationToken);
        if (final.RuntimeStatus == OrchestrationRuntimeStatus.Failed)
        {
            Console.Error.WriteLine($"error: the run failed: {final.FailureDetails?.ErrorMessage}");
            return 1;
        }
        if (!final.RuntimeStatus.IsTerminal())
        {
            await ForecastSummaryRenderer.WriteReviewWaitingAsync(blobs, instanceId, cancellationToken);
            return 0;
        }
        if (final.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
        {
            Console.Error.WriteLine($"error: the run ended {final.RuntimeStatus}.");
            return 1;
        }
        var output = final.ReadOutputAs<WeeklyForecastOutput>()!;
        var history = await engine.Client.GetHistoryAsync(instanceId, cancellationToken);
        var chartPath = options.Chart ?? Path.Combine(".data", "reports", $"weekly-forecast-{output.RunDate}.png");
        await ForecastSummaryRenderer.WriteAsync(blobs, output, ForecastMainJob.StageTimes(history), chartPath, cancellationToken);
        AnsiConsole.MarkupLine($"done in {Seconds(clock.Elapsed)}");
        return 0;
    }

    /// <summary>Runs the engine here and shows each step with its time, until the run ends or waits for a person.</summary>
    private static async Task<OrchestrationMetadata> FollowAsync(Serverless.Durable.Embedded.EmbeddedEngine engine, string instanceId, CancellationToken cancellationToken)
    {
        string? step = null;
        string? detail = null;
        var stepClock = Stopwatch.StartNew();
        OrchestrationMetadata? final = null;
        await AnsiConsole.Status().StartAsync("starting", async status =>
        {
            while (true)
            {
                var metadata = await engine.Client.GetInstanceAsync(instanceId, true, cancellationToken) ?? throw new InstanceNotFoundException(instanceId);
                var current = ReadStatus(metadata);
                if (current is not null && current.Step != step)
                {
                    if (step is not null) AnsiConsole.MarkupLine($"  [green]done[/] {Markup.Escape(step),-10} {Seconds(stepClock.Elapsed),8}  [grey]{Markup.Escape(detail ?? "")}[/]");
                    step = current.Step;
                    stepClock.Restart();
                }
                if (current is not null)
                {
                    detail = current.Detail;
                    var progress = current.Total > 0 ? $" {current.Done}/{current.Total}" : "";
                    status.Status($"{Markup.Escape(current.Step)}{progress}: {Markup.Escape(current.Detail ?? "")}");
                }
                if (metadata.RuntimeStatus.IsTerminal() || current?.WaitingFor is not null && engine.GetPendingWork().IsIdle)
                {
                    final = metadata;
                    return;
                }
                await Task.Delay(100, cancellationToken);
            }
        });
        return final!;
    }

    private static WorkflowStatus? ReadStatus(OrchestrationMetadata metadata)
    {
        try
        {
            return metadata.ReadCustomStatusAs<WorkflowStatus>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The forecast config file as JSON, checked here so its errors name the file; null when none was given.</summary>
    private static System.Text.Json.JsonElement? ReadConfig(string? path)
    {
        if (path is null) return null;
        var text = File.ReadAllText(path);
        try
        {
            ForecastConfig.Parse(text, path).EnsureValid(path);
        }
        catch (ForecastConfigException ex)
        {
            throw new CliUsageException($"--config: {string.Join("; ", ex.Errors)}");
        }
        using var document = System.Text.Json.JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static DateOnly ParseDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new CliUsageException($"--run-date: '{text}' is not a yyyy-MM-dd date.");

    internal static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
