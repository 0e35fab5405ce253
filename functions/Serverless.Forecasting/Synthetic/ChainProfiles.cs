namespace Serverless.Forecasting.Synthetic;

/// <summary>Climate normals of a region: annual mean and half the summer-winter swing (deg C).</summary>
internal sealed record RegionClimate(string Name, double AnnualMean, double Amplitude);

internal sealed record StoreTemplate(string Id, string Name, string Region, double Size, string Profile, DateOnly? Opened = null);

/// <summary>
/// How an item sells: units per day in an average store at 18 deg C, its sensitivity to
/// temperature (per degree, on the log scale), extra lift in heat above 27 deg C, its price
/// elasticity, and how strongly it follows commuters rather than weekend shoppers.
/// </summary>
internal sealed record ItemTemplate(
    string Id, string Name, string Category, double BasePrice, double BaseUnits,
    double TemperatureSensitivity, double HeatLift, double Elasticity, double Commuter,
    double AnnualGrowth, DateOnly? Launched = null);

/// <summary>The built-in chain: four regions, ten stores, twelve beverages.</summary>
internal static class ChainProfiles
{
    public static readonly RegionClimate[] Regions =
    [
        new("Tohoku", 12.4, 10.9),  // Sendai-like: about 1.5 deg C in January, 24 in August
        new("Kanto", 16.0, 10.6),   // Tokyo-like
        new("Tokai", 16.3, 11.6),   // Nagoya-like, hotter summers
        new("Kansai", 17.0, 11.2),  // Osaka-like
    ];

    public static readonly StoreTemplate[] Stores =
    [
        new("S01", "Sendai Station", "Tohoku", 1.3, "business"),
        new("S02", "Morioka", "Tohoku", 0.8, "residential"),
        new("S03", "Shinjuku", "Kanto", 1.6, "business"),
        new("S04", "Setagaya", "Kanto", 1.1, "residential"),
        new("S05", "Yokohama", "Kanto", 1.2, "residential"),
        new("S06", "Nagoya Sakae", "Tokai", 1.3, "business"),
        new("S07", "Shizuoka", "Tokai", 0.7, "residential", new DateOnly(2019, 6, 1)),
        new("S08", "Umeda", "Kansai", 1.5, "business"),
        new("S09", "Kobe", "Kansai", 1.0, "residential"),
        new("S10", "Kyoto", "Kansai", 0.9, "residential"),
    ];

    public static readonly ItemTemplate[] Items =
    [
        new("water-2l", "Mineral water 2L", "water", 118, 22, 0.030, 0.03, -2.0, 0.0, 0.02),
        new("green-tea-500", "Green tea 500ml", "tea", 128, 30, 0.020, 0.00, -2.2, 0.3, 0.00),
        new("barley-tea-2l", "Barley tea 2L", "tea", 178, 13, 0.060, 0.02, -2.4, 0.0, 0.01),
        new("oolong-500", "Oolong tea 500ml", "tea", 128, 12, 0.020, 0.00, -2.2, 0.2, -0.01),
        new("coffee-hot-185", "Hot canned coffee 185g", "coffee", 120, 18, -0.040, 0.00, -1.8, 1.0, -0.02),
        new("coffee-iced-500", "Iced coffee 500ml", "coffee", 148, 12, 0.035, 0.00, -2.0, 0.5, 0.03),
        new("sports-drink-500", "Sports drink 500ml", "sports", 158, 13, 0.065, 0.04, -2.3, 0.0, 0.02),
        new("cola-500", "Cola 500ml", "soda", 158, 15, 0.030, 0.01, -2.6, 0.0, -0.01),
        new("soda-water-500", "Sparkling water 500ml", "soda", 108, 8, 0.035, 0.00, -2.2, 0.2, 0.05),
        new("orange-juice-1l", "Orange juice 1L", "juice", 228, 8, 0.010, 0.00, -2.4, 0.0, 0.00),
        new("energy-drink-250", "Energy drink 250ml", "energy", 228, 7, 0.005, 0.00, -1.5, 1.0, 0.06, new DateOnly(2018, 4, 2)),
        new("milk-tea-hot-280", "Hot milk tea 280ml", "tea", 148, 7, -0.045, 0.00, -2.0, 0.4, 0.00),
    ];

    /// <summary>Day-of-week factors, Monday first.</summary>
    public static readonly double[] ResidentialWeek = [0.90, 0.88, 0.90, 0.93, 1.02, 1.22, 1.18];
    public static readonly double[] BusinessWeek = [1.08, 1.08, 1.08, 1.07, 1.10, 0.78, 0.72];

    /// <summary>Dates from which regular prices moved (consumption tax, then beverage price rises).</summary>
    public static readonly (DateOnly From, double Share, double Low, double High)[] PriceRises =
    [
        (new DateOnly(2019, 10, 1), 1.0, 0.02, 0.02),
        (new DateOnly(2022, 10, 1), 0.7, 0.05, 0.12),
        (new DateOnly(2024, 10, 1), 0.5, 0.03, 0.08),
        (new DateOnly(2026, 4, 1), 0.4, 0.03, 0.06),
    ];
}
