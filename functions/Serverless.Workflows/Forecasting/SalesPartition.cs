using System.Text;
using Serverless.Forecasting.Data;

namespace Serverless.Workflows.Forecasting;

/// <summary>
/// One store's rows in the window a run needs, in a compact binary form: what the prepare step hands
/// to that store's aggregate step. Rows on or after the run date carry only prices (planned prices
/// of the target week); their sales are never written.
/// </summary>
public sealed class SalesPartition
{
    private const uint Magic = 0x50534653; // "SFSP"
    private const int Version = 1;

    private readonly List<string> _items = [];
    private readonly Dictionary<string, int> _itemIndex = new(StringComparer.Ordinal);
    private readonly List<Row> _rows = [];

    public SalesPartition(string store, DateOnly runDate)
    {
        Store = store;
        RunDate = runDate;
    }

    public string Store { get; }

    public DateOnly RunDate { get; }

    public int Count => _rows.Count;

    /// <summary>Rows before the run date.</summary>
    public int SalesRows { get; private set; }

    public DateOnly? FirstSalesDate { get; private set; }

    public void Add(SalesRecord record)
    {
        if (record.Date >= RunDate)
        {
            AddPlannedPrice(record.Item, record.Date, record.Price);
            return;
        }
        _rows.Add(new Row(record.Date.DayNumber, Index(record.Item), record.Sales, record.Price, record.StockOut ? (byte)1 : (byte)0));
        SalesRows++;
        if (FirstSalesDate is not { } first || record.Date < first) FirstSalesDate = record.Date;
    }

    public void AddPlannedPrice(string item, DateOnly date, float price)
    {
        if (float.IsNaN(price) || date < RunDate) return;
        _rows.Add(new Row(date.DayNumber, Index(item), 0, price, 2));
    }

    /// <summary>The sales rows (before the run date).</summary>
    public IEnumerable<SalesRecord> Records() =>
        _rows.Where(r => r.Flags != 2).Select(r => new SalesRecord(DateOnly.FromDayNumber(r.Day), Store, _items[r.Item], r.Sales, r.Price, r.Flags == 1));

    /// <summary>Planned prices on and after the run date.</summary>
    public PricePlan PricePlan()
    {
        var plan = new PricePlan();
        foreach (var r in _rows.Where(r => r.Flags == 2)) plan.Set(Store, _items[r.Item], DateOnly.FromDayNumber(r.Day), r.Price);
        return plan;
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(Store);
            writer.Write(RunDate.DayNumber);
            writer.Write(_items.Count);
            foreach (var item in _items) writer.Write(item);
            writer.Write(_rows.Count);
            // Sorted, so the bytes do not depend on the order of the source file.
            foreach (var r in _rows.OrderBy(r => r.Day).ThenBy(r => _items[r.Item], StringComparer.Ordinal).ThenBy(r => r.Flags))
            {
                writer.Write(r.Day);
                writer.Write(r.Item);
                writer.Write(r.Sales);
                writer.Write(r.Price);
                writer.Write(r.Flags);
            }
        }
        return stream.ToArray();
    }

    public static SalesPartition FromBytes(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        if (reader.ReadUInt32() != Magic) throw new InvalidDataException("not a sales partition (bad magic number)");
        var version = reader.ReadInt32();
        if (version != Version) throw new InvalidDataException($"sales partition version {version} is not supported (expected {Version})");
        var partition = new SalesPartition(reader.ReadString(), DateOnly.FromDayNumber(reader.ReadInt32()));
        var items = reader.ReadInt32();
        for (var i = 0; i < items; i++) partition.Index(reader.ReadString());
        var rows = reader.ReadInt32();
        for (var i = 0; i < rows; i++)
        {
            var row = new Row(reader.ReadInt32(), reader.ReadInt32(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadByte());
            if (row.Item < 0 || row.Item >= items) throw new InvalidDataException($"sales partition row {i}: item index {row.Item} out of range");
            partition._rows.Add(row);
            if (row.Flags == 2) continue;
            partition.SalesRows++;
            var date = DateOnly.FromDayNumber(row.Day);
            if (partition.FirstSalesDate is not { } first || date < first) partition.FirstSalesDate = date;
        }
        return partition;
    }

    private int Index(string item)
    {
        if (!_itemIndex.TryGetValue(item, out var index))
        {
            index = _items.Count;
            _items.Add(item);
            _itemIndex[item] = index;
        }
        return index;
    }

    private readonly record struct Row(int Day, int Item, float Sales, float Price, byte Flags);
}
