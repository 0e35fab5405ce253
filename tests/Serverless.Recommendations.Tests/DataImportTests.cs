using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Tests;

public class DataImportTests
{
    private static InteractionImportResult Import(string csv, string file = "views.csv") =>
        InteractionCsv.Import(new StringReader(csv), file);

    [Fact]
    public void Good_rows_are_imported_with_dense_ids_in_ordinal_order()
    {
        var result = Import("user,item,weight\nbob,j2,1\nalice,j1,2.5\nalice,j2,1\n");

        var data = result.Dataset;
        Assert.Equal(["alice", "bob"], data.Users);
        Assert.Equal(["j1", "j2"], data.Items);
        Assert.Equal(3, data.Count);
        Assert.Equal([0, 0, 1], data.UserIndex.ToArray());
        Assert.Equal([0, 1, 1], data.ItemIndex.ToArray());
        Assert.Equal([2.5f, 1f, 1f], data.Weights.ToArray());
        Assert.False(data.HasTimestamps);
        Assert.Empty(result.Quarantine);
    }

    [Fact]
    public void Each_kind_of_bad_row_is_quarantined_with_line_field_and_reason_and_good_rows_go_on()
    {
        var csv = string.Join('\n',
            "user,item,weight,timestamp",
            "u1,i1,1,2025-01-02T10:00:00Z",      // 2 good
            "u1,i2,1",                           // 3 wrong field count
            ",i1,1,2025-01-02T10:00:00Z",        // 4 empty user
            "u2,,1,2025-01-02T10:00:00Z",        // 5 empty item
            "u2,i1,abc,2025-01-02T10:00:00Z",    // 6 non-numeric weight
            "u2,i1,-1,2025-01-02T10:00:00Z",     // 7 negative weight
            "u2,i1,NaN,2025-01-02T10:00:00Z",    // 8 non-finite weight
            "u2,i1,Infinity,2025-01-02T10:00:00Z", // 9 non-finite weight
            "u2,i1,1,yesterday",                 // 10 bad timestamp
            "u2,i1,1,",                          // 11 empty timestamp
            "\"u3,i1,1,2025-01-02T10:00:00Z",    // 12 unclosed quote
            "u2,i3,2,2025-01-03T10:00:00Z");     // 13 good

        var result = Import(csv);

        Assert.Equal(12, result.RowsRead);
        Assert.Equal(2, result.RowsAccepted);
        Assert.Equal(2, result.Dataset.Count);
        var expected = new (int Line, string Field)[]
        {
            (3, "row"), (4, "user"), (5, "item"), (6, "weight"), (7, "weight"), (8, "weight"), (9, "weight"),
            (10, "timestamp"), (11, "timestamp"), (12, "row"),
        };
        Assert.Equal(expected, result.Quarantine.Select(q => (q.Line, q.Field)).ToArray());
        Assert.All(result.Quarantine, q => Assert.Equal("views.csv", q.File));
        Assert.Contains("expected 4 fields", result.Quarantine[0].Reason);
        Assert.Contains("'abc' is not a number", result.Quarantine[3].Reason);
        Assert.Contains("negative", result.Quarantine[4].Reason);
        Assert.Contains("not a finite number", result.Quarantine[5].Reason);
        Assert.Contains("not an ISO 8601 timestamp", result.Quarantine[7].Reason);
        Assert.Contains("empty", result.Quarantine[8].Reason);
        Assert.Equal("u2,i1,abc,2025-01-02T10:00:00Z", result.Quarantine[3].RawText);
    }

    [Fact]
    public void Duplicate_pairs_are_summed_keep_the_latest_timestamp_and_are_counted()
    {
        var result = Import(string.Join('\n',
            "user,item,weight,timestamp",
            "u1,i1,1,2025-01-02T10:00:00Z",
            "u1,i1,5,2025-01-04T10:00:00Z",
            "u1,i1,1,2025-01-03T10:00:00Z",
            "u1,i2,1,2025-01-01T00:00:00Z"));

        Assert.Equal(2, result.MergedDuplicates);
        Assert.Equal(4, result.RowsAccepted);
        Assert.Equal(2, result.Dataset.Count);
        Assert.Equal(7f, result.Dataset.Weights[0]);
        Assert.Equal(DateTimeOffset.Parse("2025-01-04T10:00:00Z").ToUnixTimeMilliseconds(), result.Dataset.Timestamps[0]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    public void An_empty_file_is_an_error_naming_the_file(string csv)
    {
        var error = Assert.Throws<DataImportException>(() => Import(csv, "empty.csv"));
        Assert.Equal("empty.csv", error.File);
        Assert.Contains("empty.csv", error.Message);
        Assert.Contains("empty", error.Message);
    }

    [Theory]
    [InlineData("u1,i1,1\n")]
    [InlineData("user,product,weight\nu1,i1,1\n")]
    [InlineData("user,item\nu1,i1\n")]
    public void A_missing_or_wrong_header_is_an_error_naming_file_line_and_field(string csv)
    {
        var error = Assert.Throws<DataImportException>(() => Import(csv, "bad.csv"));
        Assert.Equal(("bad.csv", 1, "header"), (error.File, error.Line, error.Field));
        Assert.Contains("user,item,weight", error.Message);
    }

    [Fact]
    public void A_file_whose_rows_are_all_bad_is_an_error_with_the_first_reason()
    {
        var error = Assert.Throws<DataImportException>(() => Import("user,item,weight\nu1,i1,x\nu2,i2,y\n", "bad.csv"));
        Assert.Equal(2, error.Line);
        Assert.Contains("all 2 rows were quarantined", error.Message);
    }

    [Fact]
    public void Row_order_does_not_change_ids_or_the_data_hash()
    {
        var a = TestData.Parse("user,item,weight\nu2,i1,1\nu1,i2,2\nu1,i1,3\n");
        var b = TestData.Parse("user,item,weight\nu1,i1,3\nu1,i2,2\nu2,i1,1\n");
        var c = TestData.Parse("user,item,weight\nu1,i1,3\nu1,i2,2\nu2,i1,2\n");

        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, c.Hash);
        Assert.Equal(64, a.Hash.Length);
    }

    [Fact]
    public void Quoted_ids_with_commas_round_trip_through_the_writer()
    {
        var rows = new[] { new RawInteraction("user, \"one\"", "item,1", 2.5f, 1_735_689_600_000) };
        var text = new StringWriter();
        InteractionCsv.Write(text, rows, includeTimestamps: true);

        var data = TestData.Parse(text.ToString());

        Assert.Equal("user, \"one\"", data.Users[0]);
        Assert.Equal("item,1", data.Items[0]);
        Assert.Equal(1_735_689_600_000, data.Timestamps[0]);
    }

    [Theory]
    [InlineData("2025-01-02T10:00:00Z", "2025-01-02T10:00:00Z")]
    [InlineData("2025-01-02T12:00:00+02:00", "2025-01-02T10:00:00Z")]
    [InlineData("2025-01-02T10:00:00", "2025-01-02T10:00:00Z")]
    [InlineData("2025-01-02T10:00:00.250Z", "2025-01-02T10:00:00.250Z")]
    [InlineData("2025-01-02", "2025-01-02T00:00:00Z")]
    public void Iso_timestamps_parse_as_utc(string text, string expected)
    {
        Assert.True(InteractionCsv.TryParseTimestamp(text, out var ms));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), ms);
    }

    [Theory]
    [InlineData("2025-13-01T00:00:00Z")]
    [InlineData("2025-02-30T00:00:00Z")]
    [InlineData("2025-01-02T24:00:00Z")]
    [InlineData("2025-01-0xT00:00:00Z")]
    [InlineData("02/01/2025")]
    [InlineData("1735689600")]
    public void Malformed_timestamps_are_rejected(string text) => Assert.False(InteractionCsv.TryParseTimestamp(text, out _));

    [Fact]
    public void Id_maps_serialize_and_load_back()
    {
        var map = IdMap.FromIds(["b", "a", "c"]);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) map.WriteTo(writer);
        stream.Position = 0;

        var loaded = IdMap.ReadFrom(new BinaryReader(stream));

        Assert.Equal(["a", "b", "c"], loaded);
        Assert.Equal(2, loaded.IndexOf("c"));
        Assert.Equal(-1, loaded.IndexOf("z"));
    }

    [Fact]
    public void Catalogue_import_quarantines_bad_rows_and_keeps_good_ones()
    {
        var csv = "item,category,added\ni1,jobs,2025-01-01\ni2,,\ni1,other,\ni3,retail,never\ni4,retail,\n";

        var result = ItemCatalog.Import(new StringReader(csv), "items.csv");

        Assert.Equal(2, result.Catalog.Count);
        Assert.Equal("jobs", result.Catalog.CategoryOf("i1"));
        Assert.Equal("retail", result.Catalog.CategoryOf("i4"));
        Assert.Equal([(3, "category"), (4, "item"), (5, "added")], result.Quarantine.Select(q => (q.Line, q.Field)).ToArray());
    }

    [Fact]
    public void Quarantine_writes_as_csv_with_escaped_raw_text()
    {
        var text = new StringWriter();
        QuarantinedRow.WriteCsv(text, [new QuarantinedRow("a.csv", 3, "weight", "'x' is not a number", "u,i,x")]);
        Assert.Equal("file,line,field,reason,raw\na.csv,3,weight,'x' is not a number,\"u,i,x\"\n", text.ToString().ReplaceLineEndings("\n"));
    }
}
