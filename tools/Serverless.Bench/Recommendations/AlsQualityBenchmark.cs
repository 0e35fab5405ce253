using System.Globalization;
using Serverless.Bench.Harness;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;

namespace Serverless.Bench.Recommendations;

/// <summary>
/// Offline quality of default ALS on the built-in data: precision, recall, NDCG, MAP at 10 and
/// catalogue coverage on the random 25% split and the time-based split, each beside the popularity
/// baseline measured on the same test users in the same run.
/// </summary>
public sealed class AlsQualityBenchmark : IBenchmark
{
    public string Name => "als-quality";

    public string Description => "ALS ranking quality at 10 (random and time splits) vs the popularity baseline on the built-in data";

    public Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var defaults = SyntheticDataOptions.Default;
        var dataOptions = defaults with
        {
            Users = context.GetInt("users", defaults.Users),
            Items = context.GetInt("items", defaults.Items),
            Interactions = context.GetInt("interactions", defaults.Interactions),
            Seed = (ulong)context.GetInt("seed", (int)defaults.Seed),
        };
        var als = AlsOptions.Default with
        {
            Factors = context.GetInt("factors", AlsOptions.Default.Factors),
            Iterations = context.GetInt("iterations", AlsOptions.Default.Iterations),
            Alpha = (float)context.GetDouble("alpha", AlsOptions.Default.Alpha),
            Regularization = (float)context.GetDouble("regularization", AlsOptions.Default.Regularization),
        };

        context.Progress($"generating the built-in data ({dataOptions.Users:N0} users, {dataOptions.Items:N0} items, {dataOptions.Interactions:N0} events)");
        var data = SyntheticInteractions.Generate(dataOptions).ToDataset();
        using var backend = new CpuAlsBackend();
        context.Progress("training on each split and measuring");
        var report = RecommendationEvaluator.Evaluate(data, als, backend: backend, cancellationToken: cancellationToken);

        var metrics = new List<BenchmarkMetric>();
        foreach (var split in report.Splits)
        {
            void Add(string name, double model, double popularity) =>
                metrics.Add(new BenchmarkMetric($"{split.Split} {name}", model, "", string.Create(CultureInfo.InvariantCulture,
                    $"popularity {popularity:F4}, {(popularity == 0 ? 0 : model / popularity):F2}x")));
            Add("NDCG@10", split.Model.Ndcg, split.Popularity.Ndcg);
            Add("precision@10", split.Model.Precision, split.Popularity.Precision);
            Add("recall@10", split.Model.Recall, split.Popularity.Recall);
            Add("MAP@10", split.Model.Map, split.Popularity.Map);
            Add("coverage", split.Model.Coverage, split.Popularity.Coverage);
            metrics.Add(new BenchmarkMetric($"{split.Split} test users", split.Model.Users, "users", $"{split.TestInteractions:N0} held-out interactions"));
        }

        var primary = report.Primary;
        var lift = primary.Popularity.Ndcg == 0 ? double.PositiveInfinity : primary.Model.Ndcg / primary.Popularity.Ndcg - 1;
        var parameters = new Dictionary<string, string>
        {
            ["data"] = $"{dataOptions.Users} users, {dataOptions.Items} items, {dataOptions.Interactions} events, seed {dataOptions.Seed}",
            ["interactions"] = data.Count.ToString(CultureInfo.InvariantCulture),
            ["als"] = als.ToCanonicalString(),
            ["data-hash"] = data.Hash[..12],
        };
        var comparison = string.Create(CultureInfo.InvariantCulture,
            $"NDCG@10 on {primary.Split}: ALS {primary.Model.Ndcg:F4} vs popularity {primary.Popularity.Ndcg:F4} ({lift:+0.0%;-0.0%}); coverage {primary.Model.Coverage * 100:F1}% vs {primary.Popularity.Coverage * 100:F1}%.");
        return Task.FromResult(new BenchmarkReport(Name, metrics, parameters, comparison,
            GoalMet: lift >= 0.30, GoalText: "NDCG@10 at least 30% above the popularity baseline on the random 25% split"));
    }
}
