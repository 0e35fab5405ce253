using System.Diagnostics;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.ItemItem;
using Serverless.Recommendations.Publishing;

namespace Serverless.Recommendations.Models;

/// <summary>A trained model of any family and its manifest.</summary>
public sealed record ModelTrainingResult(RecommendationModel Model, ModelManifest Manifest);

/// <summary>The "train" step for any recipe: ALS through <see cref="AlsTrainer"/>, EASE by its closed form.</summary>
public static class ModelTrainer
{
    /// <param name="backend">Where ALS runs; null picks <see cref="AlsBackends.CreateDefault"/>. EASE ignores it.</param>
    public static ModelTrainingResult Train(InteractionDataset data, ModelRecipe recipe, IAlsBackend? backend = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(recipe);
        recipe.Validate();
        if (recipe.Family == ModelFamily.Als)
        {
            var als = AlsTrainer.Train(data, recipe.Als, backend, cancellationToken: cancellationToken);
            return new ModelTrainingResult(als.Model, als.Manifest);
        }

        var started = Stopwatch.GetTimestamp();
        var matrix = data.ToUserItemMatrix();
        var model = EaseModel.Train(recipe.Ease!, data.Hash, data.Users, data.Items, matrix, cancellationToken: cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var manifest = new ModelManifest
        {
            Kind = ModelManifest.EaseKind,
            ModelVersion = model.Version,
            Ease = recipe.Ease,
            DataHash = data.Hash,
            DataEndUtc = data.DataEndUtc,
            CodeVersion = CodeVersion.Current,
            Backend = "cpu-cholesky",
            Users = data.Users.Count,
            Items = data.Items.Count,
            Interactions = data.Count,
            TimingsSeconds = new Dictionary<string, double> { ["solve"] = seconds },
        };
        return new ModelTrainingResult(model, manifest);
    }

    /// <summary>
    /// Fits a recipe to part of a dataset (a split's training part) over the full data's id maps, so its indices
    /// agree with the test part. No manifest: these models are measured and dropped.
    /// </summary>
    public static RecommendationModel Fit(InteractionDataset part, ModelRecipe recipe, IAlsBackend backend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(recipe);
        recipe.Validate();
        var matrix = part.ToUserItemMatrix();
        return recipe.Family == ModelFamily.Als
            ? new AlsModel(recipe.Als!, part.Hash, part.Users, part.Items, AlsFactorizer.Factorize(matrix, recipe.Als!, backend, cancellationToken: cancellationToken), matrix)
            : EaseModel.Train(recipe.Ease!, part.Hash, part.Users, part.Items, matrix, cancellationToken: cancellationToken);
    }
}
