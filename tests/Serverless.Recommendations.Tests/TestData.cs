using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Tests;

/// <summary>Small shared inputs, built once per test run.</summary>
internal static class TestData
{
    public static SyntheticDataOptions SmallOptions { get; } = new()
    {
        Users = 400, Items = 250, Interactions = 12_000, Categories = 8, TasteClusters = 5, Seed = 11,
    };

    private static readonly Lazy<SyntheticData> SmallData = new(() => SyntheticInteractions.Generate(SmallOptions));

    public static SyntheticData Small => SmallData.Value;

    public static InteractionDataset SmallDataset => Small.ToDataset();

    /// <summary>A random sparse matrix with weights 1..5 (no empty rows unless asked).</summary>
    public static CsrMatrix RandomMatrix(int rows, int columns, double density, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var r = new List<int>();
        var c = new List<int>();
        var v = new List<float>();
        for (var row = 0; row < rows; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                if (random.NextDouble() >= density) continue;
                r.Add(row);
                c.Add(column);
                v.Add(1 + random.NextInt(5));
            }
        }
        return CsrMatrix.FromCoordinates(rows, columns, r.ToArray(), c.ToArray(), v.ToArray());
    }

    public static InteractionDataset Parse(string csv, string file = "test.csv") =>
        InteractionCsv.Import(new StringReader(csv), file).Dataset;
}
