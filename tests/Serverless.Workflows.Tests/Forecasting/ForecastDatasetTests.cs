using System.Text;
using Serverless.Forecasting.Import;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;
using Serverless.Workflows.Forecasting;

namespace Serverless.Workflows.Tests.Forecasting;

/// <summary>Importing a sales CSV into a dataset: bad rows quarantined with file, line, field and reason; unusable files publish nothing.</summary>
public sealed class ForecastDatasetTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "forecast-data-" + Guid.NewGuid().ToString("N"));
    private readonly FileSystemBlobStore _blobs;

    public ForecastDatasetTests()
    {
        Directory.CreateDirectory(_root);
        _blobs = new FileSystemBlobStore(Path.Combine(_root, "blobs"));
    }

    [Fact]
    public async Task Good_rows_are_imported_and_bad_rows_quarantined_with_line_and_field()
    {
        var file = Write("sales.csv", """
            date,store,item,sales,price
            2024-01-01,A,cola,5,120
            2024-01-02,A,cola,-3,120
            2024-13-01,A,cola,5,120
            2024-01-03,B,tea,7,
            2024-01-01,A,cola,6,120
            """);

        var (manifest, quarantined) = await ForecastDatasets.ImportAsync(_blobs, "shop", file);

        Assert.Equal((2L, 3, "2024-01-01", "2024-01-03"), (manifest.Rows, manifest.Quarantined, manifest.FirstDate, manifest.LastDate));
        Assert.Equal(["A", "B"], manifest.Stores);
        Assert.Equal([3L, 4L, 6L], quarantined.Select(q => q.Line));
        Assert.Equal("sales", quarantined[0].Field);
        Assert.Equal("date", quarantined[1].Field);
        Assert.All(quarantined, q => Assert.Equal(file, q.File));
        var sales = Encoding.UTF8.GetString(await _blobs.ReadAllBytesAsync("datasets/forecast/shop/sales.csv"));
        Assert.Equal("date,store,item,sales,price\n2024-01-01,A,cola,5,120\n2024-01-03,B,tea,7,\n", sales);
        var quarantine = Encoding.UTF8.GetString(await _blobs.ReadAllBytesAsync("datasets/forecast/shop/quarantine.csv"));
        Assert.Contains("duplicate row", quarantine);
        Assert.Equal(ForecastArtifacts.ToJsonBytes(manifest), ForecastArtifacts.ToJsonBytes(await ForecastDatasets.ReadManifestAsync(_blobs, "shop")));
    }

    [Theory]
    [InlineData("", "line 1")]
    [InlineData("day,shop,product,units\n2024-01-01,A,cola,5\n", "line 1")]
    [InlineData("date,store,item,sales\n2024-01-01,A,cola,x\n", "line 2")]
    public async Task An_unusable_file_publishes_nothing_and_says_where(string text, string where)
    {
        var file = Write("bad.csv", text);

        var error = await Assert.ThrowsAsync<SalesImportException>(() => ForecastDatasets.ImportAsync(_blobs, "shop", file));

        Assert.Contains(file, error.Message);
        Assert.Contains(where, error.Message);
        Assert.Null(await ForecastDatasets.ReadManifestAsync(_blobs, "shop"));
        await foreach (var _ in _blobs.ListAsync("datasets/")) Assert.Fail("something was published");
    }

    [Fact]
    public void Dataset_names_are_checked()
    {
        Assert.Throws<ArgumentException>(() => ForecastDatasets.ValidateName("../etc"));
        Assert.Throws<ArgumentException>(() => ForecastDatasets.ValidateName(""));
        ForecastDatasets.ValidateName("shop-2024_v1");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // left for the temp folder's cleanup
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, text.Replace("\r\n", "\n"));
        return path;
    }
}
