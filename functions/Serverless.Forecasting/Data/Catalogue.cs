namespace Serverless.Forecasting.Data;

/// <summary>A store: its region (for weather) and its size relative to an average store.</summary>
public sealed record StoreInfo(string Id, string Name, string Region, double Size, string Profile);

/// <summary>An item with its category and regular price in yen.</summary>
public sealed record ItemInfo(string Id, string Name, string Category, double BasePrice);

/// <summary>The chain's stores and items.</summary>
public sealed record Catalogue(IReadOnlyList<StoreInfo> Stores, IReadOnlyList<ItemInfo> Items)
{
    public StoreInfo? FindStore(string id) => Stores.FirstOrDefault(s => s.Id == id);

    public ItemInfo? FindItem(string id) => Items.FirstOrDefault(i => i.Id == id);

    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, Serialization.ForecastJsonContext.Default.Catalogue);

    public static Catalogue FromJson(string json, string sourceName) =>
        System.Text.Json.JsonSerializer.Deserialize(json, Serialization.ForecastJsonContext.Default.Catalogue)
        ?? throw new FormatException($"{sourceName}: line 1: the catalogue is empty.");
}
