using Serverless.Forecasting.Charts;

namespace Serverless.Forecasting.Tests;

[Collection(ModelCollection.Name)]
public class ChartTests(ModelFixture fixture)
{
    [Fact]
    public void Renders_a_png_with_one_panel_per_item()
    {
        var history = fixture.Histories[0];
        var forecast = fixture.Model.Predict(history);
        var png = ForecastChart.RenderPng(history, forecast, ["water-2l", "barley-tea-2l"], width: 800, panelHeight: 200);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        // PNG IHDR: width and height, big-endian, at bytes 16-23.
        Assert.Equal(800, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(400, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Throws<ArgumentException>(() => ForecastChart.RenderPng(history, forecast, ["sake"]));
    }
}
