using Serverless.Forecasting.Import;

namespace Serverless.Forecasting.Tests;

public class ImporterTests
{
    private static (List<Serverless.Forecasting.Data.SalesRecord> Rows, Quarantine Quarantine) Import(string text)
    {
        var quarantine = new Quarantine();
        var rows = SalesCsvImporter.Read(new StringReader(text), "sales.csv", quarantine).ToList();
        return (rows, quarantine);
    }

    [Fact]
    public void Good_rows_are_read_with_and_without_price()
    {
        var (rows, quarantine) = Import("date,store,item,sales,price\n2024-01-01,A,water,3,98\n2024-01-02,A,water,0,\n");
        Assert.Equal(0, quarantine.Count);
        Assert.Equal(2, rows.Count);
        Assert.Equal(98f, rows[0].Price);
        Assert.True(float.IsNaN(rows[1].Price));

        var (plain, _) = Import("date,store,item,sales\r\n2024-01-01,\"store, east\",tea,5\r\n2024-02-29 , west ,tea, 6\r\n");
        Assert.Equal(["store, east", "west"], plain.Select(r => r.Store).ToArray());
        Assert.Equal((new DateOnly(2024, 2, 29), 6f), (plain[1].Date, plain[1].Sales));
    }

    [Theory]
    [InlineData("2024-13-01,A,water,3,98", "date")]
    [InlineData("01/02/2024,A,water,3,98", "date")]
    [InlineData("2023-02-29,A,water,3,98", "date")]
    [InlineData("2024-1-02,A,water,3,98", "date")]
    [InlineData("2024-01-0x,A,water,3,98", "date")]
    [InlineData("2024-01-02,,water,3,98", "store")]
    [InlineData("2024-01-02,A,,3,98", "item")]
    [InlineData("2024-01-02,A,water,three,98", "sales")]
    [InlineData("2024-01-02,A,water,NaN,98", "sales")]
    [InlineData("2024-01-02,A,water,-1,98", "sales")]
    [InlineData("2024-01-02,A,water,3,cheap", "price")]
    [InlineData("2024-01-02,A,water,3,-5", "price")]
    [InlineData("2024-01-02,A,water,3,98,extra", "row")]
    [InlineData("2024-01-02,A,water", "sales")]
    public void A_bad_row_goes_to_quarantine_with_file_line_and_field_and_good_rows_go_on(string bad, string field)
    {
        var (rows, quarantine) = Import($"date,store,item,sales,price\n2024-01-01,A,water,3,98\n{bad}\n2024-01-03,A,water,4,98\n");
        Assert.Equal(2, rows.Count);
        var record = Assert.Single(quarantine.Records);
        Assert.Equal("sales.csv", record.File);
        Assert.Equal(3, record.Line);
        Assert.Equal(field, record.Field);
        Assert.Equal(bad, record.RawText);
        Assert.False(string.IsNullOrWhiteSpace(record.Reason));
        Assert.StartsWith($"sales.csv: line 3: field '{field}': ", record.Message);
    }

    [Fact]
    public void A_duplicate_row_is_quarantined_and_the_first_one_kept()
    {
        var (rows, quarantine) = Import("date,store,item,sales\n2024-01-01,A,water,3\n2024-01-01,B,water,1\n2024-01-01,A,water,9\n");
        Assert.Equal([3f, 1f], rows.Select(r => r.Sales).ToArray());
        var record = Assert.Single(quarantine.Records);
        Assert.Equal((4L, "date,store,item"), (record.Line, record.Field));
        Assert.Contains("duplicate", record.Reason);
    }

    [Fact]
    public void A_duplicate_is_found_even_when_rows_are_out_of_order()
    {
        var (rows, quarantine) = Import("date,store,item,sales\n2024-03-01,A,water,3\n2023-01-01,A,water,1\n2024-03-01,A,water,2\n2023-01-01,A,water,5\n");
        Assert.Equal(2, rows.Count);
        Assert.Equal([4L, 5L], quarantine.Records.Select(r => r.Line).ToArray());
    }

    [Fact]
    public void A_truncated_last_line_is_quarantined()
    {
        var (rows, quarantine) = Import("date,store,item,sales,price\n2024-01-01,A,water,3,98\n2024-01-02,A");
        Assert.Single(rows);
        var record = Assert.Single(quarantine.Records);
        Assert.Equal((3L, "item"), (record.Line, record.Field));
        Assert.Contains("truncated", record.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    public void An_empty_file_is_rejected_naming_file_and_line_1(string text)
    {
        var error = Assert.Throws<SalesImportException>(() => Import(text));
        Assert.Equal(("sales.csv", 1L), (error.File, error.Line));
        Assert.StartsWith("sales.csv: line 1:", error.Message);
        Assert.Contains("empty", error.Message);
    }

    [Theory]
    [InlineData("day,store,item,sales\n2024-01-01,A,water,3\n")]
    [InlineData("2024-01-01,A,water,3\n")]  // header missing
    [InlineData("date,store,item\n")]
    public void A_wrong_or_missing_header_rejects_the_whole_file(string text)
    {
        var error = Assert.Throws<SalesImportException>(() => Import(text));
        Assert.Equal(1, error.Line);
        Assert.Contains("sales.csv: line 1: wrong header", error.Message);
    }

    [Fact]
    public void Quarantine_writes_csv_with_quoting()
    {
        var (_, quarantine) = Import("date,store,item,sales\n2024-01-01,A,water,\"1,5\"\n");
        var text = new StringWriter();
        quarantine.WriteCsv(text);
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("file,line,field,reason,raw", lines[0]);
        Assert.StartsWith("sales.csv,2,sales,", lines[1]);
        Assert.EndsWith(",\"2024-01-01,A,water,\"\"1,5\"\"\"", lines[1]);
    }
}
