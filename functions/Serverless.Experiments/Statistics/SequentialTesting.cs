namespace Serverless.Experiments.Statistics;

/// <summary>
/// An always-valid test of one effect: a p-value that may be looked at after every batch without inflating the false
/// positive rate, and the matching confidence sequence.
/// </summary>
/// <param name="AlwaysValidPValue">min(1, 1/Λ) at this look, and never above an earlier look's (the running minimum).</param>
/// <param name="ConfidenceSequence">The effects not rejected at this look: covers the true effect at every look at once with probability 1 − α.</param>
/// <param name="MixingVariance">τ², the variance of the normal mixture over effects, on the effect's scale.</param>
public sealed record SequentialResult(double AlwaysValidPValue, Interval ConfidenceSequence, double MixingVariance);

/// <summary>
/// The mixture sequential probability ratio test (mSPRT) for an asymptotically normal effect estimate θ̂ with variance V
/// (Robbins 1970; Johari, Koomen, Pekelis and Walsh, "Always valid inference", Operations Research 2022, the method behind
/// Optimizely's Stats Engine). Against the null θ = 0 and a normal mixture θ ~ N(0, τ²) over alternatives the likelihood
/// ratio is Λ = √(V/(V+τ²))·exp(τ²θ̂²/(2V(V+τ²))), a martingale under the null, so by Ville's inequality
/// P(Λ ever ≥ 1/α) ≤ α: rejecting at any look when 1/Λ ≤ α keeps the false positive rate at α however often one looks.
/// </summary>
/// <remarks>
/// τ² is set as GrowthBook does for its asymptotic confidence sequences (Waudby-Smith, Arbour, Sinha, Kennedy and Ramdas,
/// "Time-uniform central limit theory and asymptotic confidence sequences", Annals of Statistics 2024): τ² = ρ²·V·n with
/// ρ² = (−2 ln α + ln(−2 ln α + 1)) / N*, which makes the sequence tightest when n reaches the tuning sample size N*; with
/// that τ² the two constructions give the same interval. Inverting Λ &lt; 1/α gives the confidence sequence
/// θ̂ ± √(V·(1 + 1/(nρ²))·(2 ln(1/α) + ln(1 + nρ²))).
/// </remarks>
public static class SequentialTesting
{
    /// <summary>ρ² for a tuning sample size N* and level α.</summary>
    public static double Rho2(double alpha, double tuningSampleSize)
    {
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "must be within (0, 1)");
        if (!(tuningSampleSize > 0)) throw new ArgumentOutOfRangeException(nameof(tuningSampleSize), tuningSampleSize, "must be positive");
        var twoLog = -2 * Math.Log(alpha);
        return (twoLog + Math.Log(twoLog + 1)) / tuningSampleSize;
    }

    /// <summary>
    /// The test at one look: <paramref name="effect"/> with <paramref name="variance"/> from <paramref name="sampleSize"/>
    /// units in all. <paramref name="previousPValue"/> is the last look's always-valid p-value (the p-value never rises).
    /// Null when the variance is not positive (nothing to test yet).
    /// </summary>
    public static SequentialResult? Evaluate(double effect, double variance, long sampleSize, double alpha, double tuningSampleSize, double? previousPValue = null)
    {
        if (!(variance > 0) || sampleSize < 1 || !double.IsFinite(effect)) return null;
        var rho2 = Rho2(alpha, tuningSampleSize);
        var nRho2 = sampleSize * rho2;
        var tau2 = nRho2 * variance;
        // ln Λ = ½ ln(V/(V+τ²)) + τ²θ̂²/(2V(V+τ²)), computed in logs so large statistics do not overflow.
        var logLambda = -0.5 * Math.Log(1 + nRho2) + tau2 * effect * effect / (2 * variance * (variance + tau2));
        var p = Math.Min(1, Math.Exp(-logLambda));
        if (previousPValue is { } previous && previous < p) p = previous;
        var half = Math.Sqrt(variance * (1 + 1 / nRho2) * (2 * Math.Log(1 / alpha) + Math.Log(1 + nRho2)));
        return new SequentialResult(p, new Interval(effect - half, effect + half), tau2);
    }
}
