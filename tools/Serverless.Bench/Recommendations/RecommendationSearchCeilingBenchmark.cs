using System.Globalization;
using Serverless.Bench.Harness;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Search;
using Serverless.Workflows.Recommendations;

namespace Serverless.Bench.Recommendations;

/// <summary>
/// How much any point of a search space could gain on the built-in services: every point is fitted to the gate's
/// training part and measured on the gate's test part itself (peeking at the test, which the real search never
/// does), beside the configured parameters on the same split. An upper bound for what the search can find.
/// </summary>
public sealed class RecommendationSearchCeilingBenchmark : IBenchmark
{
    public string Name => "recommendation-search-ceiling";

    public string Description => "Every point of the search space scored on the gate's test split (an upper bound for the search) vs the configured parameters";

    public Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var grid = context.GetString("grid", "default");
        var space = grid switch
        {
            "default" => SearchSpace.Default,
            // A finer look around the configured lambda and alpha, where the good points of the default grid are.
            "fine" => SearchSpace.Default with
            {
                Factors = [64], Regularization = [25f, 35f, 40f, 50f, 60f, 75f, 100f], Alpha = [1.5f, 2f, 2.5f, 3f, 4f, 5f],
                EaseRegularization = [200f, 300f, 400f, 500f, 700f, 1000f],
            },
            _ => throw new ArgumentException($"--set grid=default|fine, got '{grid}'"),
        };
        var settings = RecommendationSettings.Parse(RecommendationSettings.BuiltInJson, RecommendationSettings.BuiltInSource);
        using var backend = new CpuAlsBackend();
        var metrics = new List<BenchmarkMetric>();
        var sentences = new List<string>();
        foreach (var service in settings.Services)
        {
            var data = SyntheticInteractions.Generate(service.Synthetic!).ToDataset();
            var gate = GateSplits.Holdout(data, service.Evaluation);
            var points = SearchPlanner.Plan(space with { MaxTrials = int.MaxValue }, service.Als, data.Items.Count, seed: 1);
            context.Progress($"{service.Service}: {points.Count} points on {gate.Name}");
            var scored = new List<(ModelRecipe Recipe, double Ndcg)>();
            foreach (var point in points)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var model = ModelTrainer.Fit(gate.Train, point.Recipe, backend, cancellationToken);
                scored.Add((point.Recipe, ChampionChallengerEvaluator.Measure(gate, model, service.Evaluation.K).Ndcg));
            }
            var configured = scored[0].Ndcg;
            var best = scored.MaxBy(s => s.Ndcg);
            var bestAls = scored.Where(s => s.Recipe.Family == ModelFamily.Als).MaxBy(s => s.Ndcg);
            var bestEase = scored.Where(s => s.Recipe.Family == ModelFamily.Ease).DefaultIfEmpty().MaxBy(s => s.Ndcg);
            string Lift(double v) => (v / configured - 1).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture);
            metrics.Add(new($"{service.Service}: configured parameters", configured, "NDCG@10", $"{gate.Name}, {scored.Count} points"));
            metrics.Add(new($"{service.Service}: best ALS point", bestAls.Ndcg, "NDCG@10", $"{Lift(bestAls.Ndcg)}: {bestAls.Recipe.Describe()}"));
            if (bestEase.Recipe is not null) metrics.Add(new($"{service.Service}: best EASE point", bestEase.Ndcg, "NDCG@10", $"{Lift(bestEase.Ndcg)}: {bestEase.Recipe.Describe()}"));
            metrics.Add(new($"{service.Service}: points at least 5% above the configured", scored.Count(s => s.Ndcg >= 1.05 * configured), "points"));
            sentences.Add(string.Create(CultureInfo.InvariantCulture, $"{service.Service}: best of {scored.Count} points {best.Ndcg:0.0000} ({Lift(best.Ndcg)}, {best.Recipe.Describe()}) vs configured {configured:0.0000}"));
        }
        return Task.FromResult(new BenchmarkReport(Name, metrics, new Dictionary<string, string> { ["grid"] = grid, ["split"] = "the gate's hold-out without a model in service (EvaluationOptions defaults)" },
            string.Join("; ", sentences) + "."));
    }
}
