using System.Security.Cryptography;
using System.Text;
using Serverless.Forecasting.Data;
using Serverless.Forecasting.Import;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Forecasting.Tests;

public class GeneratorTests
{
    private static string HashOf(SyntheticChain chain)
    {
        var text = new StringWriter();
        chain.WriteSalesCsv(text);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    [Fact]
    public void Same_seed_gives_the_same_data_and_another_seed_does_not()
    {
        var options = new GeneratorOptions { Seed = 3, Start = new DateOnly(2024, 1, 1), End = new DateOnly(2024, 3, 31), StoreCount = 2, ItemCount = 3 };
        Assert.Equal(HashOf(ChainGenerator.Generate(options)), HashOf(ChainGenerator.Generate(options)));
        Assert.NotEqual(HashOf(ChainGenerator.Generate(options)), HashOf(ChainGenerator.Generate(options with { Seed = 4 })));
    }

    [Fact]
    public void Built_in_chain_has_ten_stores_in_four_regions_and_at_least_ten_beverages()
    {
        var chain = ChainGenerator.Generate(new GeneratorOptions { End = new DateOnly(2017, 1, 31) });
        Assert.Equal(10, chain.Catalogue.Stores.Count);
        Assert.Equal(["Kansai", "Kanto", "Tohoku", "Tokai"], chain.Catalogue.Stores.Select(s => s.Region).Distinct().Order(StringComparer.Ordinal).ToArray());
        Assert.True(chain.Catalogue.Items.Count >= 10);
        Assert.All(chain.Catalogue.Items, i => Assert.True(i.BasePrice > 0));
    }

    [Fact]
    public void Demand_follows_temperature_by_item_and_stock_outs_censor_some_days()
    {
        var records = TestData.Records;
        double Mean(string item, int month) => records.Where(r => r.Item == item && r.Date.Month == month && !r.StockOut).Average(r => r.Sales);

        Assert.True(Mean("sports-drink-500", 8) > 2 * Mean("sports-drink-500", 1), "sports drinks sell in summer");
        Assert.True(Mean("barley-tea-2l", 8) > 2 * Mean("barley-tea-2l", 1), "barley tea sells in summer");

        var stockOuts = records.Where(r => r.StockOut).ToList();
        var share = (double)stockOuts.Count / records.Count;
        Assert.InRange(share, 0.005, 0.06);
        Assert.True(records.Any(r => r.Price < TestData.Chain.Catalogue.FindItem(r.Item)!.BasePrice * 0.95), "promotions discount prices");
    }

    [Fact]
    public void Hot_coffee_sells_in_winter()
    {
        var chain = ChainGenerator.Generate(new GeneratorOptions { Start = new DateOnly(2023, 1, 1), End = new DateOnly(2023, 12, 31), StoreCount = 2, ItemCount = 5 });
        var coffee = chain.Records().Where(r => r.Item == "coffee-hot-185" && !r.StockOut).ToList();
        Assert.True(coffee.Where(r => r.Date.Month == 1).Average(r => r.Sales) > 1.5 * coffee.Where(r => r.Date.Month == 8).Average(r => r.Sales));
    }

    [Fact]
    public void Written_files_import_without_quarantine()
    {
        var folder = Path.Combine(Path.GetTempPath(), "forecast-gen-" + Guid.NewGuid().ToString("N"));
        try
        {
            var chain = ChainGenerator.Generate(new GeneratorOptions { Start = new DateOnly(2024, 1, 1), End = new DateOnly(2024, 2, 29), StoreCount = 2, ItemCount = 3 });
            chain.WriteFiles(folder);
            var quarantine = new Quarantine();
            var rows = SalesCsvImporter.ReadFile(Path.Combine(folder, "sales.csv"), quarantine).ToList();
            Assert.Equal(0, quarantine.Count);
            Assert.Equal(60 * 2 * 3, rows.Count);
            var catalogue = Catalogue.FromJson(File.ReadAllText(Path.Combine(folder, "catalogue.json")), "catalogue.json");
            Assert.Equal(chain.Catalogue.Stores, catalogue.Stores);
            using var weather = new StreamReader(Path.Combine(folder, "weather.csv"));
            var table = WeatherTable.ReadCsv(weather, "weather.csv");
            Assert.Equal(chain.Weather.Get("Kanto", new DateOnly(2024, 2, 1)), table.Get("Kanto", new DateOnly(2024, 2, 1)));
            using var stockouts = new StreamReader(Path.Combine(folder, "stockouts.csv"));
            Assert.Equal(chain.Records().Count(r => r.StockOut), StockoutDays.ReadCsv(stockouts, "stockouts.csv").Count);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Late_store_and_late_item_have_no_rows_before_they_start()
    {
        var chain = ChainGenerator.Generate(new GeneratorOptions { End = new DateOnly(2019, 7, 1), ItemCount = 12 });
        var first = chain.Records().Where(r => r.Store == "S07" || r.Item == "energy-drink-250")
            .GroupBy(r => r.Store == "S07" ? "S07" : "energy").ToDictionary(g => g.Key, g => g.Min(r => r.Date));
        Assert.Equal(new DateOnly(2018, 4, 2), first["energy"]);
        Assert.Equal(new DateOnly(2019, 6, 1), first["S07"]);
    }

    [Fact]
    public void Seasonality_that_changes_nothing_gives_the_plain_chain_byte_for_byte()
    {
        var plain = new GeneratorOptions { Seed = 5, Start = new DateOnly(2023, 10, 1), End = new DateOnly(2024, 1, 31), StoreCount = 2, ItemCount = 4 };
        var neutral = plain with { Seasonality = new SeasonalityOptions { MonthFactors = Enumerable.Repeat(1.0, 12).ToArray(), YearlyTrend = 0 } };
        Assert.Equal(HashOf(ChainGenerator.Generate(plain)), HashOf(ChainGenerator.Generate(neutral)));
        var seasonal = plain with { Seasonality = SeasonalityOptions.WinterDrop };
        Assert.NotEqual(HashOf(ChainGenerator.Generate(plain)), HashOf(ChainGenerator.Generate(seasonal)));
        Assert.Equal(HashOf(ChainGenerator.Generate(seasonal)), HashOf(ChainGenerator.Generate(seasonal with { })));
    }

    [Fact]
    public void The_winter_drop_starts_in_late_November_and_recurs_every_year_with_the_trend()
    {
        var plain = new GeneratorOptions { Seed = 9, Start = new DateOnly(2022, 1, 1), End = new DateOnly(2024, 12, 31), StoreCount = 3, ItemCount = 8 };
        var season = SeasonalityOptions.WinterDrop;
        var withOption = Totals(ChainGenerator.Generate(plain with { Seasonality = season }));
        var without = Totals(ChainGenerator.Generate(plain));
        // The same chain with and without the option: what the option alone does to each period.
        double Effect(DateOnly from, DateOnly to) =>
            Sum(withOption, from, to) / Sum(without, from, to);
        for (var year = 2022; year <= 2024; year++)
        {
            var november = Effect(new DateOnly(year, 11, 1), new DateOnly(year, 11, 22));
            var december = Effect(new DateOnly(year, 12, 1), new DateOnly(year, 12, 28));
            Assert.InRange(december / november, 0.69, 0.81);  // about 25% down, every year
            Assert.InRange(Effect(new DateOnly(year, 11, 25), new DateOnly(year, 11, 30)) / november, december / november + 0.03, 0.97);  // the transition
        }
        // A yearly trend of 4%: the same (unseasonal) months a year apart.
        var growth = Effect(new DateOnly(2024, 5, 1), new DateOnly(2024, 6, 30)) / Effect(new DateOnly(2023, 5, 1), new DateOnly(2023, 6, 30));
        Assert.InRange(growth, 1.01, 1.07);
        Assert.Equal([new DateOnly(2024, 2, 23), new DateOnly(2024, 11, 24)], season.ShiftStarts(new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31)));

        static Dictionary<DateOnly, double> Totals(SyntheticChain chain) =>
            chain.Records().Where(r => !r.StockOut).GroupBy(r => r.Date).ToDictionary(g => g.Key, g => g.Sum(r => (double)r.Sales));
        static double Sum(Dictionary<DateOnly, double> totals, DateOnly from, DateOnly to) =>
            totals.Where(t => t.Key >= from && t.Key <= to).Sum(t => t.Value);
    }

    [Fact]
    public void Bad_seasonality_options_name_the_field()
    {
        var options = new GeneratorOptions { Seasonality = new SeasonalityOptions { MonthFactors = [1, 1, 1] } };
        Assert.Contains("MonthFactors must have 12 values", Assert.Throws<ArgumentException>(() => ChainGenerator.Generate(options)).Message);
        var negative = Enumerable.Repeat(1.0, 12).ToArray();
        negative[4] = -0.5;
        Assert.Contains("(month 5)", Assert.Throws<ArgumentException>(() => ChainGenerator.Generate(new GeneratorOptions { Seasonality = new SeasonalityOptions { MonthFactors = negative } })).Message);
        Assert.Contains("TransitionDays", Assert.Throws<ArgumentException>(() => ChainGenerator.Generate(new GeneratorOptions { Seasonality = new SeasonalityOptions { TransitionDays = 40 } })).Message);
        Assert.Contains("YearlyTrend", Assert.Throws<ArgumentException>(() => ChainGenerator.Generate(new GeneratorOptions { Seasonality = new SeasonalityOptions { YearlyTrend = -1 } })).Message);
    }
}
