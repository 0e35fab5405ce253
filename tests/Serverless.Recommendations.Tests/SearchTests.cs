using Serverless.Recommendations.Data;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Search;

namespace Serverless.Recommendations.Tests;

public class SearchTests
{
    private static readonly AlsOptions Configured = new() { Factors = 16, Iterations = 6, Regularization = 10, Seed = 3 };

    [Fact]
    public void The_plan_starts_with_the_configured_parameters_then_ease_then_shuffled_als_within_the_budget()
    {
        var space = SearchSpace.Default with { MaxTrials = 10 };

        var trials = SearchPlanner.Plan(space, Configured, items: 250, seed: 42);

        Assert.Equal(10, trials.Count);
        Assert.Equal(Enumerable.Range(0, 10), trials.Select(t => t.Index));
        Assert.True(trials[0].IsDefaults);
        Assert.Equal(ModelRecipe.ForAls(Configured), trials[0].Recipe);
        Assert.All(trials.Skip(1), t => Assert.False(t.IsDefaults));
        Assert.Equal([ModelFamily.Ease, ModelFamily.Ease, ModelFamily.Ease], trials.Skip(1).Take(3).Select(t => t.Recipe.Family));
        Assert.All(trials.Skip(4), t => Assert.Equal(ModelFamily.Als, t.Recipe.Family));
        // What the space does not vary comes from the configured parameters.
        Assert.All(trials.Skip(4), t => Assert.Equal((Configured.CgSteps, Configured.Seed), (t.Recipe.Als!.CgSteps, t.Recipe.Als.Seed)));
        Assert.Equal(trials.Count, trials.Select(t => t.Recipe.ToCanonicalString()).Distinct().Count());
    }

    [Fact]
    public void The_same_seed_gives_the_same_trials_and_another_seed_another_order()
    {
        var a = SearchPlanner.Plan(SearchSpace.Default, Configured, 250, seed: 1);
        var b = SearchPlanner.Plan(SearchSpace.Default, Configured, 250, seed: 1);
        var c = SearchPlanner.Plan(SearchSpace.Default, Configured, 250, seed: 2);

        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(t => t.Recipe.ToCanonicalString()), c.Select(t => t.Recipe.ToCanonicalString()));
    }

    [Fact]
    public void Ease_is_left_out_above_its_catalogue_limit()
    {
        var trials = SearchPlanner.Plan(SearchSpace.Default with { EaseMaxItems = 100, MaxTrials = 200 }, Configured, items: 250, seed: 1);

        Assert.DoesNotContain(trials, t => t.Recipe.Family == ModelFamily.Ease);
        Assert.Equal(1 + 3 * 3 * 3 * 4, trials.Count); // the configured parameters and every ALS point of the default grid
    }

    [Fact]
    public void A_space_with_no_valid_point_is_one_clear_error()
    {
        var alsOff = SearchSpace.Default with { Alpha = [] };
        var error = Assert.Throws<SearchSpaceException>(() => SearchPlanner.Plan(alsOff, Configured, items: 30_000, seed: 1));

        Assert.Equal("search", error.Field);
        Assert.Contains("has no valid point", error.Message);
        Assert.Contains("'alpha' lists no value", error.Message);
        Assert.Contains("EASE does not apply to 30,000 items (easeMaxItems 5,000)", error.Message);
        // The same space on a catalogue EASE can take is fine.
        Assert.All(SearchPlanner.Plan(alsOff, Configured, items: 300, seed: 1).Skip(1), t => Assert.Equal(ModelFamily.Ease, t.Recipe.Family));
    }

    [Theory]
    [InlineData("maxTrials", "a budget of 0 trials leaves nothing to search")]
    [InlineData("maxSeconds", "a time budget of 0 s leaves nothing to search")]
    [InlineData("factors[1]", "must be at least 1, got 0")]
    [InlineData("regularization[0]", "must be positive and finite, got -1")]
    public void Zero_budgets_and_bad_values_are_errors_naming_the_field(string field, string expected)
    {
        var space = field switch
        {
            "maxTrials" => SearchSpace.Default with { MaxTrials = 0 },
            "maxSeconds" => SearchSpace.Default with { MaxSeconds = 0 },
            "factors[1]" => SearchSpace.Default with { Factors = [8, 0] },
            _ => SearchSpace.Default with { Regularization = [-1f] },
        };

        var error = Assert.Throws<SearchSpaceException>(() => SearchPlanner.Plan(space, Configured, 250, 1));
        Assert.Equal(field, error.Field);
        Assert.Contains(expected, error.Reason);
    }

    [Fact]
    public void The_winner_has_the_best_validation_ndcg_and_a_tie_goes_to_the_earlier_trial()
    {
        MetricSet Ndcg(double v) => new(10, 100, 0, 0, v, 0, 0);
        var recipe = ModelRecipe.ForAls(Configured);
        var results = new[]
        {
            new SearchTrialResult(2, recipe with { Als = Configured with { Factors = 8 } }, false, Ndcg(0.31), 1),
            new SearchTrialResult(0, recipe, true, Ndcg(0.30), 1),
            new SearchTrialResult(1, recipe with { Als = Configured with { Factors = 4 } }, false, Ndcg(0.31), 1),
        };

        var summary = SearchSummary.Select("validation", 1000, 250, 5, "time budget", results);

        Assert.Equal(1, summary.Winner.Index);
        Assert.Equal(0, summary.Defaults.Index);
        Assert.Equal([0, 1, 2], summary.Trials.Select(t => t.Index));
        Assert.Equal(5, summary.Planned);
    }

    [Fact]
    public void A_trial_is_deterministic_and_never_sees_the_gates_test_part()
    {
        var data = TestData.SmallDataset;
        var gate = GateSplits.Holdout(data, EvaluationOptions.Default);
        var validation = GateSplits.Validation(gate, EvaluationOptions.Default, 0.25);

        Assert.Equal(gate.Train.Count, validation.Train.Count + validation.Test.Count);
        var gateTest = Pairs(gate.Test);
        Assert.Empty(Pairs(validation.Train).Intersect(gateTest));
        Assert.Empty(Pairs(validation.Test).Intersect(gateTest));
        Assert.StartsWith("validation-latest-25%", validation.Name);

        using var backend = new CpuAlsBackend();
        var trial = new SearchTrial(3, ModelRecipe.ForAls(Configured with { Weighting = ConfidenceWeighting.Log }), false);
        var first = SearchTrialRunner.Run(validation, trial, 10, backend);
        var again = SearchTrialRunner.Run(validation, trial, 10, backend);
        Assert.Equal(first.Validation, again.Validation);
        Assert.True(first.Validation.Ndcg > 0);
    }

    private static HashSet<(int, int)> Pairs(InteractionDataset data)
    {
        var pairs = new HashSet<(int, int)>();
        for (var i = 0; i < data.Count; i++) pairs.Add((data.UserIndex[i], data.ItemIndex[i]));
        return pairs;
    }
}
