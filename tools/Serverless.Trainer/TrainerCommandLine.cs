using System.CommandLine;
using Serverless.Recommendations.Data;
using Serverless.Forecasting.Configuration;

namespace Serverless.Trainer;

/// <summary>
/// The one entrypoint an Azure ML command job and the local runner both execute:
/// <c>serverless-trainer als --interactions FILE|DIR [--config FILE] --output DIR [--device auto|cpu|gpu]</c> and
/// <c>serverless-trainer forecast --aggregates FILE|DIR... [--config FILE] --output DIR</c>.
/// Exit code 0 on success, 2 for bad input (one line naming the file, line and field), 1 for anything else.
/// </summary>
public static class TrainerCommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("serverless-trainer: trains the ALS and forecast models for a training job (Azure ML or the local runner).");
        root.Subcommands.Add(Als(output));
        root.Subcommands.Add(Forecast(output));
        var parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = error });
        }
        catch (Exception ex) when (ex is TrainerInputException or DataImportException or ForecastConfigException)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("error: cancelled");
            return 1;
        }
    }

    private static Command Als(TextWriter log)
    {
        var interactions = new Option<string>("--interactions") { Description = "Interaction CSV (user,item,weight[,timestamp]) or a folder holding one.", Required = true };
        var config = new Option<string?>("--config") { Description = "ALS hyper-parameters as JSON (camelCase AlsOptions)." };
        var outputDir = new Option<string>("--output") { Description = "Folder for model.als, metrics.json and manifest.json.", Required = true };
        var device = new Option<AlsDevice>("--device") { Description = "auto (GPU if present, else SIMD CPU), cpu, or gpu (ILGPU kernels; ILGPU's CPU accelerator without a GPU).", DefaultValueFactory = _ => AlsDevice.Auto };
        var seed = new Option<ulong?>("--seed") { Description = "Overrides the seed of the initial factors." };
        var iterations = new Option<int?>("--iterations") { Description = "Overrides the ALS iterations." };
        var factors = new Option<int?>("--factors") { Description = "Overrides the number of factors." };
        var command = new Command("als", "Train the implicit-feedback ALS recommendation model.") { interactions, config, outputDir, device, seed, iterations, factors };
        command.SetAction((parse, cancellationToken) =>
        {
            AlsTraining.Run(new AlsTrainingArguments(
                parse.GetValue(interactions)!, parse.GetValue(config), parse.GetValue(outputDir)!, parse.GetValue(device),
                parse.GetValue(seed), parse.GetValue(iterations), parse.GetValue(factors)), log, cancellationToken);
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Forecast(TextWriter log)
    {
        var aggregates = new Option<string[]>("--aggregates") { Description = "Store history files or folders (the aggregation step's output).", Required = true, AllowMultipleArgumentsPerToken = true };
        var config = new Option<string?>("--config") { Description = "Forecast config JSON (defaults when absent)." };
        var outputDir = new Option<string>("--output") { Description = "Folder for model.bin, metrics.json and manifest.json.", Required = true };
        var codeVersion = new Option<string?>("--code-version") { Description = "Code version recorded in the model (default: this trainer's)." };
        var command = new Command("forecast", "Train the weekly forecast model (backtest, calibration, promotion).") { aggregates, config, outputDir, codeVersion };
        command.SetAction((parse, _) =>
        {
            ForecastTraining.Run(new ForecastTrainingArguments(parse.GetValue(aggregates)!, parse.GetValue(config), parse.GetValue(outputDir)!, parse.GetValue(codeVersion)), log);
            return Task.FromResult(0);
        });
        return command;
    }
}
