using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Serverless.Hosting.Tests.Experiments;

/// <summary>The experiments dashboard in headless Chromium, after a batch went through ExperimentAggregation.</summary>
public sealed class ExperimentsPageBrowserTests : BrowserTest
{
    private static string Lines(string experiment, string[] variants, double[] rates, int users, int seed, bool withValue)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
        var lines = new List<string>();
        for (var i = 0; i < users; i++)
        {
            var v = i % variants.Length;
            var at = start.AddSeconds(i).ToString("O", CultureInfo.InvariantCulture);
            lines.Add(JsonSerializer.Serialize(new { eventId = $"{experiment}-{i}-x", experiment, variant = variants[v], user = $"u{i}", type = "exposure", timestamp = at }));
            if (random.NextDouble() < rates[v])
            {
                lines.Add(withValue
                    ? JsonSerializer.Serialize(new { eventId = $"{experiment}-{i}-c", experiment, variant = variants[v], user = $"u{i}", type = "conversion", value = 20 + 30 * random.NextDouble(), timestamp = at })
                    : JsonSerializer.Serialize(new { eventId = $"{experiment}-{i}-c", experiment, variant = variants[v], user = $"u{i}", type = "conversion", timestamp = at }));
            }
        }
        return string.Join("\n", lines);
    }

    [Fact]
    public async Task The_dashboard_shows_figures_intervals_probability_best_SRM_status_and_weight_history()
    {
        var body = Lines("ranker-2026", ["als-v1", "als-v2"], [0.08, 0.14], 1400, 1, false) + "\n"
            + Lines("checkout-banner", ["none", "free-shipping"], [0.05, 0.07], 1000, 2, true);
        var response = await _host.Http.PostAsync("api/events", TestHost.JsonBody(body));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt64();
        // Applied by the aggregators and analysed: both experiments published, every accepted event counted.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (true)
            {
                var status = await _host.Http.GetFromJsonAsync<JsonElement>("api/events/status", deadline.Token);
                var list = await _host.Http.GetFromJsonAsync<JsonElement>("api/experiments", deadline.Token);
                if (status.GetProperty("applied").GetProperty("eventsApplied").GetInt64() == accepted
                    && list.EnumerateArray().All(e => e.GetProperty("computedAt").ValueKind == JsonValueKind.String)) break;
                await Task.Delay(20, deadline.Token);
            }
        }

        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = _host.Host.BaseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        await page.GotoAsync("experiments.html");
        await page.FillAsync("#sign-in input[name=key]", TestHost.Key);
        await page.ClickAsync("#sign-in button[type=submit]");

        var ranker = page.Locator("section[data-experiment='ranker-2026']");
        await Assertions.Expect(ranker).ToContainTextAsync("Thompson sampling");
        await Assertions.Expect(ranker).ToContainTextAsync("sample ratio ok");
        await Assertions.Expect(ranker.Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(ranker.Locator("tbody tr").Nth(1)).ToContainTextAsync("700"); // exposed users of als-v2
        await Assertions.Expect(ranker.Locator("tbody tr.best")).ToContainTextAsync("als-v2");
        await Assertions.Expect(ranker.Locator("figure svg")).ToHaveCountAsync(2); // intervals and weight history
        await Assertions.Expect(ranker.Locator(".history-list li")).Not.ToHaveCountAsync(0);
        var banner = page.Locator("section[data-experiment='checkout-banner']");
        await Assertions.Expect(banner).ToContainTextAsync("fixed split");
        await Assertions.Expect(banner).ToContainTextAsync("Value per user");

        // Nothing new since the last analysis: the button says so and moves nothing.
        await ranker.GetByRole(AriaRole.Button, new() { Name = "Recompute now" }).ClickAsync();
        await Assertions.Expect(ranker.Locator("[role=status]")).ToContainTextAsync("aggregate unchanged");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("experiments.png"), FullPage = true });
    }
}
