using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Events;
using Serverless.Workflows.Experiments;
using Spectre.Console;

namespace Serverless.Cli.Commands;

/// <summary>
/// <c>serverless events replay FILE.jsonl</c>: cuts a JSON-lines file into batches whose identities depend only on the
/// content and the batch size, and runs each through the <c>ExperimentAggregation</c> orchestration on the embedded
/// engine, exactly as batches posted to <c>/api/events</c> are run. Replaying the same file again changes nothing.
/// </summary>
internal static class EventCommands
{
    private static readonly Option<string?> Database = new("--db")
    {
        Description = "The engine database (default: Serverless:Engine:DatabasePath, else .data/engine.db).",
        Recursive = true,
    };

    public static Command Create()
    {
        var events = new Command("events", "Experiment events: replay a JSON-lines file through the aggregation workflow.");
        events.Options.Add(Database);
        events.Subcommands.Add(Replay());
        return events;
    }

    private static Command Replay()
    {
        var file = new Argument<FileInfo>("file") { Description = "A JSON-lines file, one event per line." };
        var batchSize = new Option<int>("--batch-size") { Description = "Lines per batch (the batch identities depend on it).", DefaultValueFactory = _ => 10_000 };
        var parallel = new Option<int>("--parallel") { Description = "Batches in flight at once.", DefaultValueFactory = _ => 2 };
        var noRecompute = new Option<bool>("--no-recompute") { Description = "Do not recompute statistics at the end (the cadence still applies)." };
        var command = new Command("replay", "Replay a JSON-lines file of experiment events, batch by batch, exactly once.") { file, batchSize, parallel, noRecompute };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) throw new CliUsageException($"File '{path.FullName}' does not exist.");
            var size = parse.GetValue(batchSize);
            if (size is < 1 or > 1_000_000) throw new CliUsageException($"--batch-size must be from 1 to 1,000,000, not {size}.");
            var inFlight = parse.GetValue(parallel);
            if (inFlight is < 1 or > 64) throw new CliUsageException($"--parallel must be from 1 to 64, not {inFlight}.");

            await using var runtime = CliRuntime.Create(parse.GetValue(Database));
            await runtime.Engine.StartAsync(cancellationToken);
            var totals = await ReplayAsync(runtime, path, size, inFlight, cancellationToken);
            if (!parse.GetValue(noRecompute) && totals.Experiments.Count > 0) await RecomputeAndShowAsync(runtime, totals.Experiments, cancellationToken);
            return totals.Failed == 0 ? 0 : 1;
        });
        return command;
    }

    private sealed class Totals
    {
        public int Batches;
        public int Duplicates;
        public int Failed;
        public long Records;
        public long Accepted;
        public long Quarantined;
        public long EventsApplied;
        public long EventsAlreadyCounted;
        public readonly SortedDictionary<string, long> QuarantinedByReason = new(StringComparer.Ordinal);
        public readonly SortedSet<string> Experiments = new(StringComparer.Ordinal);
        public readonly List<string> QuarantineFiles = [];
    }

    private static async Task<Totals> ReplayAsync(CliRuntime runtime, FileInfo file, int batchSize, int parallel, CancellationToken cancellationToken)
    {
        var ingestion = runtime.Services.GetRequiredService<EventIngestion>();
        var client = runtime.Engine.Client;
        var totals = new Totals();
        var pending = new Queue<(BatchSubmission Submission, int FirstLine, int Lines)>();
        var started = DateTime.UtcNow;

        async Task CompleteOldestAsync()
        {
            var (submission, firstLine, lines) = pending.Dequeue();
            var where = $"lines {firstLine:N0}-{firstLine + lines - 1:N0}";
            if (submission.Duplicate)
            {
                totals.Duplicates++;
                var earlier = await client.GetInstanceAsync(submission.InstanceId, false, cancellationToken);
                if (earlier is null || earlier.RuntimeStatus.IsTerminal())
                {
                    Console.WriteLine($"batch {where}: already submitted as {submission.InstanceId}; nothing to apply");
                    return;
                }
                // An earlier run stopped while this batch was in flight: the engine here resumes it (once its lease lapses).
                Console.WriteLine($"batch {where}: resuming {submission.InstanceId} left {earlier.RuntimeStatus} by an earlier run");
            }
            var metadata = await client.WaitForInstanceCompletionAsync(submission.InstanceId, true, cancellationToken);
            if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            {
                totals.Failed++;
                Console.Error.WriteLine($"batch {where}: {metadata.RuntimeStatus}: {metadata.FailureDetails?.ErrorMessage}");
                return;
            }
            var output = metadata.ReadOutputAs<ExperimentAggregationResult>()!;
            var applied = output.Experiments.Sum(e => e.EventsApplied);
            totals.EventsApplied += applied;
            totals.EventsAlreadyCounted += output.Experiments.Where(e => e.Outcome != ApplyOutcome.Applied).Sum(e => e.EventsSkipped);
            if (output.QuarantinePath is { } quarantine) totals.QuarantineFiles.Add(quarantine);
            var recomputed = output.Recomputations.Where(r => r.Recomputed).Select(r => r.ExperimentId).ToList();
            Console.WriteLine($"batch {where}: {output.Accepted:N0} accepted, {output.Quarantined:N0} quarantined, {applied:N0} applied" +
                (recomputed.Count > 0 ? $", recomputed {string.Join(", ", recomputed)}" : ""));
        }

        await using (var stream = file.OpenRead())
        {
            foreach (var chunk in JsonLinesChunker.Read(stream, batchSize))
            {
                BatchSubmission submission;
                try
                {
                    // The chunk's memory is reused for the next chunk; submission stores it before returning.
                    submission = await ingestion.SubmitAsync(chunk.Utf8, BatchFormats.JsonLines, file.Name, chunk.FirstLineNumber, cancellationToken: cancellationToken);
                }
                catch (EmptyBatchException)
                {
                    continue; // only blank lines
                }
                totals.Batches++;
                totals.Records += submission.Records;
                totals.Accepted += submission.Accepted;
                totals.Quarantined += submission.Quarantined;
                foreach (var (reason, count) in submission.QuarantinedByReason) totals.QuarantinedByReason[reason] = totals.QuarantinedByReason.GetValueOrDefault(reason) + count;
                foreach (var experiment in submission.Experiments) totals.Experiments.Add(experiment);
                pending.Enqueue((submission, chunk.FirstLineNumber, chunk.LineCount));
                if (pending.Count >= parallel) await CompleteOldestAsync();
            }
        }
        while (pending.Count > 0) await CompleteOldestAsync();

        var seconds = Math.Max((DateTime.UtcNow - started).TotalSeconds, 1e-3);
        Console.WriteLine();
        Console.WriteLine($"{file.Name}: {totals.Batches} batches ({totals.Duplicates} already submitted before), {totals.Records:N0} records, " +
            $"{totals.Accepted:N0} accepted, {totals.Quarantined:N0} quarantined; {totals.EventsApplied:N0} events applied now, " +
            $"{totals.EventsAlreadyCounted:N0} already counted; {totals.Records / seconds:N0} records/s");
        if (totals.QuarantinedByReason.Count > 0)
        {
            Console.WriteLine("quarantined by reason: " + string.Join(", ", totals.QuarantinedByReason.Select(p => $"{p.Key} {p.Value:N0}")));
            if (totals.QuarantineFiles.Count > 0) Console.WriteLine($"quarantined records are in the blob store: {string.Join(", ", totals.QuarantineFiles.Take(5))}" +
                (totals.QuarantineFiles.Count > 5 ? $" and {totals.QuarantineFiles.Count - 5} more under experiments/quarantine/" : ""));
        }
        if (totals.Failed > 0) Console.Error.WriteLine($"{totals.Failed} batch(es) failed; run the same command again to retry them (applied batches are skipped).");
        return totals;
    }

    private static async Task RecomputeAndShowAsync(CliRuntime runtime, IEnumerable<string> experiments, CancellationToken cancellationToken)
    {
        var recomputer = runtime.Services.GetRequiredService<ExperimentRecomputer>();
        var now = runtime.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        foreach (var id in experiments)
        {
            var result = await recomputer.RecomputeNowAsync(id, now, cancellationToken);
            var analysis = await recomputer.GetAnalysisAsync(id, cancellationToken);
            Console.WriteLine();
            Console.WriteLine($"{id}: {(result.Recomputed ? "recomputed" : result.Reason)}");
            if (analysis is null) continue;
            var statistics = analysis.Statistics;
            var table = new Table().AddColumns("variant", "weight", "exposed", "converting", statistics.Metric.ToString(), "95% interval", "lift", "p-value", "P(best)", "exp. loss");
            var definition = (await runtime.Services.GetRequiredService<ExperimentDefinitionStore>().GetAsync(id, cancellationToken))!.Value.Definition;
            var weights = (await recomputer.GetAllocationAsync(definition, cancellationToken)).Current;
            foreach (var v in statistics.Variants)
            {
                table.AddRow(new[]
                {
                    v.VariantId + (v.IsControl ? " (control)" : ""),
                    weights.WeightOf(v.VariantId).ToString("0.000", CultureInfo.InvariantCulture),
                    v.ExposedUsers.ToString("N0", CultureInfo.InvariantCulture),
                    v.ConvertingUsers.ToString("N0", CultureInfo.InvariantCulture),
                    Number(v.Estimate),
                    v.EstimateInterval is { } i ? $"[{Number(i.Lower)}, {Number(i.Upper)}]" : "",
                    v.LiftVersusControl is { } lift ? $"{Number(lift.Relative)} [{Number(lift.Interval?.Lower)}, {Number(lift.Interval?.Upper)}]" : "",
                    Number(v.TestVersusControl?.PValue),
                    v.ProbabilityBest.ToString("0.000", CultureInfo.InvariantCulture),
                    Number(v.ExpectedLoss),
                }.Select(Markup.Escape).ToArray());
            }
            AnsiConsole.Write(table);
            var srm = statistics.SampleRatio;
            Console.WriteLine($"sample ratio: {(srm.Mismatch ? "MISMATCH" : "ok")} (p = {Number(srm.PValue)}); weights: {analysis.Decision.Reason} ({analysis.Decision.Detail})");
        }
    }

    private static string Number(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "";
}
