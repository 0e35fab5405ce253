using Serverless.Recommendations.Data;
using Serverless.Recommendations.ItemItem;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Tests;

public class EaseTests
{
    [Fact]
    public void The_cholesky_inverse_matches_gauss_jordan_and_does_not_depend_on_threads()
    {
        const int n = 37;
        var random = new DeterministicRandom(5);
        var a = new double[n * n];
        for (var i = 0; i < n; i++)
        for (var j = 0; j <= i; j++)
        {
            var v = random.NextDouble() - 0.5;
            a[i * n + j] = v;
            a[j * n + i] = v;
        }
        for (var i = 0; i < n; i++) a[i * n + i] += n; // diagonally dominant: positive definite

        var expected = GaussJordanInverse(a, n);
        var one = (double[])a.Clone();
        var two = (double[])a.Clone();
        SymmetricInverse.InvertInPlace(one, n, new ParallelOptions { MaxDegreeOfParallelism = 1 });
        SymmetricInverse.InvertInPlace(two, n, new ParallelOptions { MaxDegreeOfParallelism = 4 });

        for (var i = 0; i < n * n; i++) Assert.Equal(expected[i], one[i], 1e-10);
        Assert.Equal(one, two);
    }

    [Fact]
    public void A_matrix_that_is_not_positive_definite_is_refused()
    {
        var a = new double[] { 1, 2, 2, 1 };
        var error = Assert.Throws<ArgumentException>(() => SymmetricInverse.InvertInPlace(a, 2, new ParallelOptions()));
        Assert.Contains("not positive definite", error.Message);
    }

    [Fact]
    public void The_weights_are_the_closed_form_with_a_zero_diagonal()
    {
        var x = TestData.RandomMatrix(rows: 40, columns: 12, density: 0.3, seed: 4);
        const float lambda = 3f;
        var b = EaseSolver.Solve(x, lambda);

        // P = (X^T X + lambda I)^-1 by a plain dense computation; B_ij = -P_ij / P_jj off the diagonal.
        const int n = 12;
        var g = new double[n * n];
        for (var u = 0; u < x.Rows; u++)
        {
            var cols = x.RowColumns(u);
            var vals = x.RowValues(u);
            for (var p = 0; p < cols.Length; p++)
            for (var q = 0; q < cols.Length; q++) g[cols[p] * n + cols[q]] += vals[p] * vals[q];
        }
        for (var i = 0; i < n; i++) g[i * n + i] += lambda;
        var inverse = GaussJordanInverse(g, n);
        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
        {
            var expected = i == j ? 0 : -inverse[i * n + j] / inverse[j * n + j];
            Assert.Equal(expected, b[i * n + j], 1e-5);
        }
    }

    [Fact]
    public void Users_are_scored_by_their_history_times_the_weights_without_what_they_have()
    {
        var data = TestData.SmallDataset;
        var model = EaseModel.Train(new EaseOptions { Regularization = 50, Weighting = ConfidenceWeighting.Binary }, data.Hash, data.Users, data.Items, data.ToUserItemMatrix());
        var n = data.Items.Count;

        var lists = UserRecommender.Recommend(model, new Shard(0, 0, 5), 10);
        for (var user = 0; user < 5; user++)
        {
            var seen = model.Interactions.RowColumns(user).ToArray();
            var scores = new double[n];
            foreach (var i in seen)
            for (var j = 0; j < n; j++) scores[j] += model.Weights[i * n + j];
            var expected = Enumerable.Range(0, n).Where(j => Array.BinarySearch(seen, j) < 0)
                .OrderByDescending(j => scores[j]).ThenBy(j => j).Take(10).Select(j => data.Items[j]).ToArray();
            Assert.Equal(expected, lists[user].Items.Select(i => i.ItemId));
        }

        var neighbours = ItemNeighbours.Compute(model, new Shard(0, 3, 1), 5)[0];
        var row = Enumerable.Range(0, n).Where(j => j != 3).OrderByDescending(j => model.Weights[3 * n + j]).ThenBy(j => j).Take(5).Select(j => data.Items[j]);
        Assert.Equal(row, neighbours.Items.Select(i => i.ItemId));
    }

    [Fact]
    public void An_ease_model_round_trips_through_its_stream_and_says_what_it_is()
    {
        var data = TestData.SmallDataset;
        var recipe = ModelRecipe.ForEase(new EaseOptions { Regularization = 80, Weighting = ConfidenceWeighting.Log });
        var trained = ModelTrainer.Train(data, recipe);
        var stream = new MemoryStream();
        trained.Model.WriteTo(stream);
        stream.Position = 0;

        var read = Assert.IsType<EaseModel>(RecommendationModel.ReadFrom(stream));

        Assert.Equal(trained.Model.Version, read.Version);
        Assert.StartsWith("ease-", read.Version);
        Assert.Equal(((EaseModel)trained.Model).Weights, read.Weights);
        Assert.Equal("model.ease", read.FileName);
        Assert.Equal("ease", trained.Manifest.Kind);
        Assert.Equal(recipe, trained.Manifest.Recipe);
        Assert.Equal(data.DataEndUtc, trained.Manifest.DataEndUtc);
    }

    [Theory]
    [InlineData("empty", "empty")]
    [InlineData("garbage", "Not a recommendation model")]
    [InlineData("truncated", "truncated")]
    public void A_corrupt_model_stream_is_an_invalid_data_error(string damage, string expected)
    {
        var stream = new MemoryStream();
        ModelTrainer.Train(TestData.SmallDataset, ModelRecipe.ForEase(EaseOptions.Default)).Model.WriteTo(stream);
        var bytes = damage switch
        {
            "empty" => [],
            "garbage" => "not a model at all"u8.ToArray(),
            _ => stream.ToArray()[..(int)(stream.Length / 2)],
        };

        var error = Assert.Throws<InvalidDataException>(() => RecommendationModel.ReadFrom(new MemoryStream(bytes)));
        Assert.Contains(expected, error.Message);
    }

    private static double[] GaussJordanInverse(double[] source, int n)
    {
        var a = (double[])source.Clone();
        var inverse = new double[n * n];
        for (var i = 0; i < n; i++) inverse[i * n + i] = 1;
        for (var col = 0; col < n; col++)
        {
            var pivot = a[col * n + col];
            for (var j = 0; j < n; j++)
            {
                a[col * n + j] /= pivot;
                inverse[col * n + j] /= pivot;
            }
            for (var row = 0; row < n; row++)
            {
                if (row == col) continue;
                var factor = a[row * n + col];
                for (var j = 0; j < n; j++)
                {
                    a[row * n + j] -= factor * a[col * n + j];
                    inverse[row * n + j] -= factor * inverse[col * n + j];
                }
            }
        }
        return inverse;
    }
}
