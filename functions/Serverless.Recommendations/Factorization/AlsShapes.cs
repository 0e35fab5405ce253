using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Factorization;

/// <summary>Argument checks shared by the backends.</summary>
internal static class AlsShapes
{
    public static void Check(CsrMatrix weights, float[] fixedFactors, float[] solved, int k)
    {
        if (solved.Length != weights.Rows * k)
        {
            throw new ArgumentException($"Solved factors hold {solved.Length} floats; {weights.Rows} rows x {k} factors need {weights.Rows * k}.", nameof(solved));
        }
        if (fixedFactors.Length != weights.Columns * k)
        {
            throw new ArgumentException($"Fixed factors hold {fixedFactors.Length} floats; {weights.Columns} columns x {k} factors need {weights.Columns * k}.", nameof(fixedFactors));
        }
    }
}
