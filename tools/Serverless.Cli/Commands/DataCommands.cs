using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Forecasting.Import;
using Serverless.Forecasting.Synthetic;
using Serverless.Storage.Blobs;
using Serverless.Workflows.Forecasting;
using Spectre.Console;

namespace Serverless.Cli.Commands;

/// <summary>
/// <c>serverless data generate|import|show</c>: the sales datasets the weekly forecast reads, kept in the
/// blob store under <c>datasets/forecast/NAME/</c>.
/// </summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Sales datasets for the weekly forecast: generate the built-in chain, import a CSV, show what is there.");
        data.Subcommands.Add(Generate());
        data.Subcommands.Add(Import());
        data.Subcommands.Add(Show());
        return data;
    }

    private static Command Generate()
    {
        var end = new Option<string?>("--end") { Description = "Last day with sales (yyyy-MM-dd); default yesterday." };
        var seed = new Option<int>("--seed") { Description = "Generator seed.", DefaultValueFactory = _ => 42 };
        var stores = new Option<int>("--stores") { Description = "Number of stores.", DefaultValueFactory = _ => 10 };
        var items = new Option<int>("--items") { Description = "Number of items.", DefaultValueFactory = _ => 12 };
        var name = new Option<string>("--name") { Description = "Dataset name.", DefaultValueFactory = _ => ForecastArtifacts.DefaultDataset };
        var command = new Command("generate", "Generate the synthetic chain (daily sales since 2017-01-01, stock-outs, planned prices, weather, catalogue).")
        {
            end, seed, stores, items, name,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var last = parse.GetValue(end) is { } text ? ParseDate(text, "--end") : DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
            var options = new GeneratorOptions { Seed = parse.GetValue(seed), End = last, StoreCount = parse.GetValue(stores), ItemCount = parse.GetValue(items) };
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new CliUsageException(ex.Message);
            }
            var datasetName = CheckName(parse.GetValue(name)!);
            await using var runtime = CliRuntime.Create(null);
            var clock = Stopwatch.StartNew();
            var manifest = await AnsiConsole.Status().StartAsync("generating", _ =>
                ForecastDatasets.GenerateAsync(runtime.Services.GetRequiredService<IBlobStore>(), datasetName, options, cancellationToken));
            AnsiConsole.MarkupLine($"dataset [bold]{Markup.Escape(datasetName)}[/]: {manifest.Stores.Count} stores x {manifest.Items} items, {manifest.FirstDate} to {manifest.LastDate}, {manifest.Rows:N0} rows in {RunCommand.Seconds(clock.Elapsed)}");
            AnsiConsole.MarkupLine($"  {Markup.Escape(ForecastArtifacts.DatasetFolder(datasetName))}/ ({string.Join(", ", manifest.Files)})");
            return 0;
        });
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "A CSV with the header date,store,item,sales[,price]." };
        var name = new Option<string>("--name") { Description = "Dataset name (not 'builtin').", DefaultValueFactory = _ => "imported" };
        var command = new Command("import", "Import a sales CSV: every row is checked; bad rows go to the dataset's quarantine.csv with file, line, field and reason.") { file, name };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var datasetName = CheckName(parse.GetValue(name)!);
            if (datasetName == ForecastArtifacts.DefaultDataset) throw new CliUsageException($"--name: '{ForecastArtifacts.DefaultDataset}' is the generated dataset; choose another name.");
            var path = parse.GetValue(file)!;
            await using var runtime = CliRuntime.Create(null);
            try
            {
                var (manifest, quarantined) = await ForecastDatasets.ImportAsync(runtime.Services.GetRequiredService<IBlobStore>(), datasetName, path, cancellationToken);
                AnsiConsole.MarkupLine($"dataset [bold]{Markup.Escape(datasetName)}[/]: {manifest.Rows:N0} rows imported, {manifest.Stores.Count} stores x {manifest.Items} items, {manifest.FirstDate} to {manifest.LastDate}");
                if (quarantined.Count > 0)
                {
                    AnsiConsole.MarkupLine($"[yellow]{quarantined.Count:N0} rows quarantined[/] in {Markup.Escape(ForecastArtifacts.DatasetFile(datasetName, ForecastDatasets.Quarantine))}, first ones:");
                    foreach (var q in quarantined.Take(10)) Console.WriteLine($"  {q.File}: line {q.Line}: field '{q.Field}': {q.Reason}");
                }
                AnsiConsole.MarkupLine($"run it with: serverless run --dataset {Markup.Escape(datasetName)} --run-date {Markup.Escape(ForecastArtifacts.Date(ForecastArtifacts.ParseDate(manifest.LastDate, "lastDate").AddDays(1)))}");
                return 0;
            }
            catch (Exception ex) when (ex is SalesImportException or FileNotFoundException or IOException)
            {
                Console.Error.WriteLine($"error: {ex.Message} Nothing was imported.");
                return 1;
            }
        });
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("name") { Description = "Dataset name.", DefaultValueFactory = _ => ForecastArtifacts.DefaultDataset };
        var command = new Command("show", "Show a dataset's manifest.") { name };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var datasetName = CheckName(parse.GetValue(name)!);
            await using var runtime = CliRuntime.Create(null);
            var manifest = await ForecastDatasets.ReadManifestAsync(runtime.Services.GetRequiredService<IBlobStore>(), datasetName, cancellationToken)
                ?? throw new CliUsageException($"no dataset '{datasetName}' (run `serverless data generate` or `serverless data import FILE --name {datasetName}`).");
            Console.WriteLine(System.Text.Encoding.UTF8.GetString(ForecastArtifacts.ToJsonBytes(manifest)));
            return 0;
        });
        return command;
    }

    private static string CheckName(string name)
    {
        try
        {
            ForecastDatasets.ValidateName(name);
            return name;
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException($"--name: {ex.Message}");
        }
    }

    private static DateOnly ParseDate(string text, string option) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new CliUsageException($"{option}: '{text}' is not a yyyy-MM-dd date.");
}
