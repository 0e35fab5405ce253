using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Workflows.Forecasting;

namespace Serverless.Hosting.Tests;

/// <summary>The weekly forecast through the host: reviewed in the browser, and across a restart of the host.</summary>
public sealed class ForecastReviewTests
{
    [Fact]
    public async Task A_reviewer_adjusts_one_order_on_the_review_page_approves_and_the_store_file_carries_it()
    {
        await using var host = await TestHost.StartAsync();
        await ForecastRuns.GenerateDataAsync(host);
        const string id = "forecast-review-page";
        await ForecastRuns.StartAndWaitForReviewAsync(host, id);

        var (playwright, browser) = await Browser.LaunchAsync();
        try
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions
            {
                BaseURL = host.Host.BaseAddress.ToString(),
                ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
            });
            await page.GotoAsync($"review.html?id={id}");
            await page.FillAsync("#sign-in input[name=key]", TestHost.Key);
            await page.ClickAsync("#sign-in button[type=submit]");

            var cards = page.Locator("article.series");
            await Assertions.Expect(cards).ToHaveCountAsync(15);
            await Assertions.Expect(page.Locator("#title")).ToContainTextAsync(ForecastRuns.WeekStart);
            // Every card has its chart: 28 days of history, the forecast line and seven order bars.
            await Assertions.Expect(cards.First.Locator("svg polyline.history")).ToHaveCountAsync(1);
            await Assertions.Expect(cards.First.Locator("svg rect.order-bar")).ToHaveCountAsync(7);

            // Flagged series come first, as in the package.
            var package = await ForecastRuns.GetReviewAsync(host, id);
            var first = package.GetProperty("series")[0];
            Assert.Equal(first.GetProperty("store").GetString(), await cards.First.GetAttributeAsync("data-store"));
            Assert.Equal(first.GetProperty("item").GetString(), await cards.First.GetAttributeAsync("data-item"));

            // Adjust the second card's week order.
            var card = cards.Nth(1);
            var store = (await card.GetAttributeAsync("data-store"))!;
            var item = (await card.GetAttributeAsync("data-item"))!;
            var input = card.Locator("input[name=weekUnits]");
            var proposed = int.Parse(await input.InputValueAsync());
            var adjusted = proposed + 17;
            await input.FillAsync(adjusted.ToString());
            await Assertions.Expect(card).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("changed"));
            await Assertions.Expect(page.Locator("#change-count")).ToContainTextAsync("1 order changed");

            await page.FillAsync("#decision input[name=reviewer]", "Sato");
            await page.FillAsync("#decision input[name=comment]", "festival on Saturday");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("review.png"), FullPage = true });

            await page.ClickAsync("#decision button[value=approve]");
            await Assertions.Expect(page.Locator("#final-status")).ToContainTextAsync("completed: adjusted", new() { Timeout = 120_000 });
            await Assertions.Expect(page.Locator("#published tbody tr")).ToHaveCountAsync(3);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("review-done.png"), FullPage = true });

            var final = await host.Client.GetInstanceAsync(id, true);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, final!.RuntimeStatus);
            var output = final.ReadOutputAs<WeeklyForecastOutput>()!;
            Assert.Equal(("adjusted", "Sato", "festival on Saturday"), (output.Decision, output.Reviewer, output.Comment));
            var file = await ForecastRuns.ReadStoreFileAsync(host, output.Published.Single(p => p.Store == store).Path);
            var line = file.Lines.Single(l => l.Item == item);
            Assert.Equal(adjusted, line.WeekUnits);
            Assert.Equal(adjusted, line.Orders.Sum());
            Assert.True(line.Adjusted);
            var lines = new List<StoreOrderLine>();
            foreach (var published in output.Published) lines.AddRange((await ForecastRuns.ReadStoreFileAsync(host, published.Path)).Lines);
            Assert.Single(lines, l => l.Adjusted);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task A_forecast_waiting_for_review_survives_a_host_restart_and_completes_when_approved()
    {
        var folder = TestHost.CreateFolder();
        const string id = "forecast-restart";
        try
        {
            await using (var first = await TestHost.StartAsync(folder))
            {
                await ForecastRuns.GenerateDataAsync(first);
                await ForecastRuns.StartAndWaitForReviewAsync(first, id);
            }

            await using var second = await TestHost.StartAsync(folder);
            var status = await second.Http.GetFromJsonAsync<JsonElement>($"api/workflows/{id}");
            Assert.True(TestHost.IsWaitingFor(status, WeeklyForecastOrchestrator.ReviewEvent));
            var package = await ForecastRuns.GetReviewAsync(second, id);
            Assert.Equal(15, package.GetProperty("series").GetArrayLength());

            using var approve = await second.Http.PostAsJsonAsync($"api/forecasts/{id}/review", new { decision = "approve", reviewer = "Kato" });
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var final = await second.Client.WaitForInstanceCompletionAsync(id, true, deadline.Token);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, final.RuntimeStatus);
            var output = final.ReadOutputAs<WeeklyForecastOutput>()!;
            Assert.Equal("approved", output.Decision);
            Assert.Equal(3, output.Published.Count);
            foreach (var published in output.Published)
            {
                var file = await ForecastRuns.ReadStoreFileAsync(second, published.Path);
                Assert.Equal(ForecastRuns.WeekStart, file.WeekStart);
                Assert.Equal(published.Units, file.Lines.Sum(l => l.WeekUnits));
            }

            // The review is over: the page's route says so.
            using var late = await second.Http.GetAsync($"api/forecasts/{id}/review");
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        }
        finally
        {
            TestHost.TryDelete(folder);
        }
    }
}
