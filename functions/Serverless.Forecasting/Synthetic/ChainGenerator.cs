using Serverless.Forecasting.Calendar;
using Serverless.Forecasting.Data;

namespace Serverless.Forecasting.Synthetic;

/// <summary>
/// Builds the synthetic retail chain: stores, items, regional weather, a promotion calendar and
/// daily demand. Demand multiplies an item's base rate by store size, a store-item affinity, the
/// weekday pattern of the store (residential stores peak at weekends, business districts on
/// weekdays), temperature (sports drinks and barley tea in summer, hot coffee in winter), the
/// Japanese holiday periods, price (promotions are discounts with an item's elasticity, followed by
/// a pantry-loading dip) and slow growth. Sales are negative binomial counts around that demand,
/// and stock-outs censor some days (more often during promotions and right after another one).
/// </summary>
public static class ChainGenerator
{
    public static SyntheticChain Generate(GeneratorOptions options)
    {
        options.Validate();
        return new SyntheticChain(options);
    }
}

/// <summary>
/// The generated chain. Sales rows are computed on demand (streamed, date by date), so even a
/// 100 x 100 chain over ten years never sits in memory as rows.
/// </summary>
public sealed class SyntheticChain
{
    private const double NoiseShape = 25;          // negative binomial shape: variance = m + m^2/25
    private const double PromotionWeekChance = 0.18;
    private const double StoreJoinsPromotionChance = 0.85;

    private readonly GeneratorOptions _options;
    private readonly StoreTemplate[] _stores;
    private readonly ItemTemplate[] _items;
    private readonly int[] _storeRegion;
    private readonly double[,] _affinity;            // store x item
    private readonly double[] _storeGrowth;
    private readonly double[,]? _seasonDepth;        // store x item: scale of the month-of-year swing (log scale)
    private readonly float[][] _temperature;          // region x day (through the plan horizon)
    private readonly double[][] _regularPrice;        // item x price period
    private readonly DateOnly[] _pricePeriodStart;
    private readonly float[,] _promotionDepth;       // item x week
    private readonly bool[,] _weekendOnly;            // item x week
    private readonly int _totalDays;

    internal SyntheticChain(GeneratorOptions options)
    {
        _options = options;
        _stores = Enumerable.Range(0, options.StoreCount).Select(StoreAt).ToArray();
        _items = Enumerable.Range(0, options.ItemCount).Select(ItemAt).ToArray();
        _storeRegion = _stores.Select(s => Array.FindIndex(ChainProfiles.Regions, r => r.Name == s.Region)).ToArray();
        _totalDays = options.End.DayNumber - options.Start.DayNumber + 1 + options.PlanDaysAhead;

        _affinity = new double[_stores.Length, _items.Length];
        for (var s = 0; s < _stores.Length; s++)
        {
            for (var i = 0; i < _items.Length; i++)
            {
                var rng = Prng.For(options.Seed, 11, s, i);
                _affinity[s, i] = Math.Exp(0.3 * rng.NextNormal());
            }
        }
        _storeGrowth = Enumerable.Range(0, _stores.Length)
            .Select(s => -0.03 + 0.08 * Prng.Hash01(options.Seed, 12, s)).ToArray();

        if (options.Seasonality is { } season)
        {
            _seasonDepth = new double[_stores.Length, _items.Length];
            for (var s = 0; s < _stores.Length; s++)
            {
                var storeDepth = 1 + season.StoreVariation * (2 * Prng.Hash01(options.Seed, 71, s) - 1);
                for (var i = 0; i < _items.Length; i++)
                {
                    _seasonDepth[s, i] = storeDepth * (1 + season.ItemVariation * (2 * Prng.Hash01(options.Seed, 72, i) - 1));
                }
            }
        }

        _temperature = BuildWeather();
        (_pricePeriodStart, _regularPrice) = BuildRegularPrices();
        (_promotionDepth, _weekendOnly) = BuildPromotions();

        Catalogue = new Catalogue(
            _stores.Select(s => new StoreInfo(s.Id, s.Name, s.Region, s.Size, s.Profile)).ToList(),
            _items.Select(i => new ItemInfo(i.Id, i.Name, i.Category, i.BasePrice)).ToList());
        Weather = new WeatherTable(options.Start, Enumerable.Range(0, ChainProfiles.Regions.Length)
            .ToDictionary(r => ChainProfiles.Regions[r].Name, r => _temperature[r]));
    }

    public GeneratorOptions Options => _options;

    public Catalogue Catalogue { get; }

    /// <summary>Observed temperature to <see cref="GeneratorOptions.End"/>, then a forecast for the plan horizon.</summary>
    public WeatherTable Weather { get; }

    /// <summary>Planned prices for the days after <see cref="GeneratorOptions.End"/> (promotions included).</summary>
    public PricePlan BuildPricePlan() => PricePlan.FromRecords(PlannedPrices());

    /// <summary>Planned prices after the last sales day, in the sales shape with zero sales.</summary>
    public IEnumerable<SalesRecord> PlannedPrices()
    {
        for (var day = _options.End.AddDays(1); day <= _options.End.AddDays(_options.PlanDaysAhead); day = day.AddDays(1))
        {
            var t = day.DayNumber - _options.Start.DayNumber;
            for (var s = 0; s < _stores.Length; s++)
            {
                if (!IsOpen(s, day)) continue;
                for (var i = 0; i < _items.Length; i++)
                {
                    if (!IsSold(i, day)) continue;
                    yield return new SalesRecord(day, _stores[s].Id, _items[i].Id, 0, (float)Price(s, i, t, out _), false);
                }
            }
        }
    }

    /// <summary>Every sales row from Start to End, date by date, then store, then item.</summary>
    public IEnumerable<SalesRecord> Records()
    {
        var seriesRng = new Prng[_stores.Length * _items.Length];
        var soldOutYesterday = new bool[seriesRng.Length];
        for (var s = 0; s < _stores.Length; s++)
        {
            for (var i = 0; i < _items.Length; i++) seriesRng[s * _items.Length + i] = Prng.For(_options.Seed, 21, s, i);
        }
        var calendar = JapaneseHolidayCalendar.Instance;
        var storeIds = _stores.Select(s => s.Id).ToArray();
        var itemIds = _items.Select(i => i.Id).ToArray();
        var season = _options.Seasonality;
        for (var date = _options.Start; date <= _options.End; date = date.AddDays(1))
        {
            var t = date.DayNumber - _options.Start.DayNumber;
            var kind = calendar.Classify(date);
            var offDay = calendar.IsOffDay(date);
            var weekday = ((int)date.DayOfWeek + 6) % 7;  // Monday = 0
            var years = (date.DayNumber - new DateOnly(2017, 1, 1).DayNumber) / 365.25;
            var seasonLog = season?.LogFactor(date) ?? 0;
            var trend = season is null ? 1.0 : Math.Exp(Math.Log(1 + season.YearlyTrend) * years);
            for (var s = 0; s < _stores.Length; s++)
            {
                if (!IsOpen(s, date)) continue;
                var store = _stores[s];
                var temperature = _temperature[_storeRegion[s]][t];
                // Store traffic shared by all items that day (rain, local events): not forecastable.
                var traffic = Math.Exp(0.07 * Prng.For(_options.Seed, 31, s, t).NextNormal());
                var holiday = HolidayFactor(kind, date, store.Profile == "business");
                var growth = Math.Exp(_storeGrowth[s] * years);
                for (var i = 0; i < _items.Length; i++)
                {
                    if (!IsSold(i, date)) continue;
                    var item = _items[i];
                    var index = s * _items.Length + i;
                    var price = Price(s, i, t, out var onPromotion);
                    var mean = item.BaseUnits * store.Size * _affinity[s, i] * traffic * holiday * growth
                        * Math.Exp(item.AnnualGrowth * years)
                        * WeekdayFactor(store.Profile, item.Commuter, offDay ? 6 : weekday)
                        * TemperatureFactor(item, temperature)
                        * SeasonFactor(date, store.Profile)
                        * PriceFactor(i, t, price)
                        * (onPromotion || !HadPromotionLastWeek(s, i, t) ? 1.0 : 0.9)
                        * (_seasonDepth is null ? 1.0 : trend * Math.Exp(_seasonDepth[s, i] * seasonLog));
                    ref var rng = ref seriesRng[index];
                    var demand = rng.NextNegativeBinomial(mean, NoiseShape);
                    var stockOutChance = soldOutYesterday[index] ? 0.30 : onPromotion ? 0.06 : 0.012;
                    var soldOut = demand > 0 && rng.NextDouble() < stockOutChance;
                    soldOutYesterday[index] = soldOut;
                    var sales = soldOut ? Math.Floor(demand * (0.3 + 0.55 * rng.NextDouble())) : demand;
                    yield return new SalesRecord(date, storeIds[s], itemIds[i], (float)sales, (float)price, soldOut);
                }
            }
        }
    }

    /// <summary>Writes sales.csv, stockouts.csv, price_plan.csv, weather.csv and catalogue.json into a folder.</summary>
    public void WriteFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        using (var sales = new StreamWriter(Path.Combine(folder, "sales.csv")))
        using (var stockouts = new StreamWriter(Path.Combine(folder, "stockouts.csv")))
        {
            WriteSalesCsv(sales, stockouts);
        }
        using (var plan = new StreamWriter(Path.Combine(folder, "price_plan.csv")))
        {
            SalesCsvFormat.Write(plan, PlannedPrices(), includePrice: true);
        }
        using (var weather = new StreamWriter(Path.Combine(folder, "weather.csv")))
        {
            Weather.WriteCsv(weather);
        }
        File.WriteAllText(Path.Combine(folder, "catalogue.json"), Catalogue.ToJson());
    }

    /// <summary>Writes the sales shape <c>date,store,item,sales,price</c> and, optionally, the stock-out days <c>date,store,item</c>.</summary>
    public void WriteSalesCsv(TextWriter sales, TextWriter? stockouts = null)
    {
        stockouts?.Write("date,store,item\n");
        SalesCsvFormat.Write(sales, Records(), includePrice: true, record =>
        {
            if (stockouts is null || !record.StockOut) return;
            stockouts.Write(SalesCsvFormat.FormatDate(record.Date));
            stockouts.Write(',');
            stockouts.Write(record.Store);
            stockouts.Write(',');
            stockouts.Write(record.Item);
            stockouts.Write('\n');
        });
    }

    private bool IsOpen(int store, DateOnly date) => _stores[store].Opened is not { } opened || date >= opened;

    private bool IsSold(int item, DateOnly date) => _items[item].Launched is not { } launched || date >= launched;

    private static double WeekdayFactor(string profile, double commuter, int weekday)
    {
        var week = profile == "business" ? ChainProfiles.BusinessWeek : ChainProfiles.ResidentialWeek;
        // Commuter items swing harder between weekdays and weekends than the store does.
        var commuterWeek = ChainProfiles.BusinessWeek[weekday];
        return week[weekday] * Math.Pow(commuterWeek, 0.6 * commuter);
    }

    private static double TemperatureFactor(ItemTemplate item, double temperature) =>
        Math.Exp(item.TemperatureSensitivity * (temperature - 18)) * (1 + item.HeatLift * Math.Max(0, temperature - 27));

    private static double HolidayFactor(HolidayKind kind, DateOnly date, bool business) => kind switch
    {
        HolidayKind.NewYear when date.Month == 12 => business ? 0.9 : 1.3,
        HolidayKind.NewYear when date.Day == 1 => business ? 0.45 : 0.55,
        HolidayKind.NewYear => business ? 0.6 : 0.85,
        HolidayKind.GoldenWeek => business ? 0.75 : 1.12,
        HolidayKind.Obon => business ? 0.7 : 1.15,
        HolidayKind.NationalHoliday => 1.05,
        _ => 1.0,
    };

    // Summer school holidays and December gatherings, beyond what temperature explains.
    private static double SeasonFactor(DateOnly date, string profile)
    {
        var summer = (date.Month == 7 && date.Day >= 20) || date.Month == 8;
        if (summer) return profile == "business" ? 0.97 : 1.08;
        return date.Month == 12 ? 1.05 : 1.0;
    }

    private double PriceFactor(int item, int t, double price)
    {
        var template = _items[item];
        var regular = RegularPrice(item, t);
        // Promotions move demand with the full short-run elasticity; regular price rises much less.
        return Math.Pow(price / regular, template.Elasticity) * Math.Pow(regular / template.BasePrice, -0.7);
    }

    private double Price(int store, int item, int t, out bool onPromotion)
    {
        var regular = RegularPrice(item, t);
        onPromotion = IsPromoted(store, item, t, out var depth);
        return onPromotion ? Math.Round(regular * (1 - depth)) : regular;
    }

    private bool IsPromoted(int store, int item, int t, out double depth)
    {
        var week = WeekOf(t, out var weekday);
        depth = _promotionDepth[item, week];
        if (depth <= 0) return false;
        if (_weekendOnly[item, week] && weekday < 4) return false;
        return Prng.Hash01(_options.Seed, 41, store, item * 100_000 + week) < StoreJoinsPromotionChance;
    }

    private bool HadPromotionLastWeek(int store, int item, int t)
    {
        for (var back = 1; back <= 7; back++)
        {
            if (t - back >= 0 && IsPromoted(store, item, t - back, out _)) return true;
        }
        return false;
    }

    // Weeks run Monday to Sunday; week 0 is the week holding Start.
    private int WeekOf(int t, out int weekday)
    {
        var startWeekday = ((int)_options.Start.DayOfWeek + 6) % 7;
        var shifted = t + startWeekday;
        weekday = shifted % 7;
        return shifted / 7;
    }

    private double RegularPrice(int item, int t)
    {
        var date = _options.Start.AddDays(t);
        var period = 0;
        while (period + 1 < _pricePeriodStart.Length && date >= _pricePeriodStart[period + 1]) period++;
        return _regularPrice[item][period];
    }

    private float[][] BuildWeather()
    {
        var regions = ChainProfiles.Regions;
        var result = regions.Select(_ => new float[_totalDays]).ToArray();
        var national = Prng.For(_options.Seed, 1);
        var local = regions.Select((_, r) => Prng.For(_options.Seed, 2, r)).ToArray();
        var nationalAnomaly = 0.0;
        var localAnomaly = new double[regions.Length];
        var observedDays = _options.End.DayNumber - _options.Start.DayNumber + 1;
        for (var t = 0; t < _totalDays; t++)
        {
            var date = _options.Start.AddDays(t);
            var forecastDay = t - observedDays + 1;  // >= 1 for days after End: the forecast decays to normal
            if (forecastDay <= 0) nationalAnomaly = 0.8 * nationalAnomaly + 1.3 * national.NextNormal();
            for (var r = 0; r < regions.Length; r++)
            {
                var normal = regions[r].AnnualMean
                    + regions[r].Amplitude * Math.Cos(2 * Math.PI * (date.DayOfYear - 217) / 365.25)
                    + 0.025 * (date.Year - 2017);
                if (forecastDay <= 0)
                {
                    localAnomaly[r] = 0.75 * localAnomaly[r] + 1.1 * local[r].NextNormal();
                    result[r][t] = (float)Math.Round(normal + nationalAnomaly + localAnomaly[r], 1);
                }
                else
                {
                    var decay = Math.Pow(0.8, forecastDay);
                    result[r][t] = (float)Math.Round(normal + decay * (nationalAnomaly + localAnomaly[r]), 1);
                }
            }
        }
        return result;
    }

    private (DateOnly[] Starts, double[][] Prices) BuildRegularPrices()
    {
        var starts = new[] { DateOnly.MinValue }.Concat(ChainProfiles.PriceRises.Select(p => p.From)).ToArray();
        var prices = new double[_items.Length][];
        for (var i = 0; i < _items.Length; i++)
        {
            prices[i] = new double[starts.Length];
            var price = _items[i].BasePrice;
            prices[i][0] = price;
            for (var p = 0; p < ChainProfiles.PriceRises.Length; p++)
            {
                var rise = ChainProfiles.PriceRises[p];
                var rng = Prng.For(_options.Seed, 51, i, p);
                if (rng.NextDouble() < rise.Share) price = Math.Round(price * (1 + rise.Low + (rise.High - rise.Low) * rng.NextDouble()));
                prices[i][p + 1] = price;
            }
        }
        return (starts, prices);
    }

    private (float[,] Depth, bool[,] WeekendOnly) BuildPromotions()
    {
        var weeks = WeekOf(_totalDays - 1, out _) + 1;
        var depth = new float[_items.Length, weeks];
        var weekendOnly = new bool[_items.Length, weeks];
        for (var i = 0; i < _items.Length; i++)
        {
            var rng = Prng.For(_options.Seed, 61, i);
            for (var w = 0; w < weeks; w++)
            {
                if (rng.NextDouble() >= PromotionWeekChance) continue;
                depth[i, w] = 0.10f + 0.05f * rng.NextInt(5);
                weekendOnly[i, w] = rng.NextDouble() < 0.4;
            }
        }
        return (depth, weekendOnly);
    }

    private StoreTemplate StoreAt(int index)
    {
        var templates = ChainProfiles.Stores;
        if (index < templates.Length) return templates[index];
        var template = templates[index % templates.Length];
        var size = 0.6 + Prng.Hash01(_options.Seed, 3, index);
        return template with { Id = $"S{index + 1:000}", Name = $"{template.Name} {index / templates.Length + 1}", Size = Math.Round(size, 2), Opened = null };
    }

    private ItemTemplate ItemAt(int index)
    {
        var templates = ChainProfiles.Items;
        if (index < templates.Length) return templates[index];
        var template = templates[index % templates.Length];
        var rng = Prng.For(_options.Seed, 4, index);
        var variant = index / templates.Length + 1;
        return template with
        {
            Id = $"{template.Id}-v{variant}",
            Name = $"{template.Name} (variant {variant})",
            BaseUnits = Math.Round(template.BaseUnits * (0.4 + 0.8 * rng.NextDouble()), 1),
            TemperatureSensitivity = template.TemperatureSensitivity * (0.7 + 0.6 * rng.NextDouble()),
            Elasticity = template.Elasticity * (0.8 + 0.4 * rng.NextDouble()),
            Launched = null,
        };
    }
}
