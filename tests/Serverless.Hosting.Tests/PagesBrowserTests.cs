using System.Text.Json;
using Microsoft.Playwright;

namespace Serverless.Hosting.Tests;

/// <summary>The runs list, sign-in and a run's timeline in headless Chromium.</summary>
public sealed class PagesBrowserTests : BrowserTest
{
    [Fact]
    public async Task Sign_in_refuses_a_wrong_key_then_lists_runs_and_shows_a_timeline()
    {
        var id = await _host.Client.ScheduleNewOrchestrationInstanceAsync("DemoApproval",
            JsonDocument.Parse("""{ "items": 4, "timerSeconds": 0 }""").RootElement, new Microsoft.DurableTask.StartOrchestrationOptions("demo-page", null));
        await _host.WaitForStatusAsync(id, s => TestHost.IsWaitingFor(s, "Approval"));

        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = _host.Host.BaseAddress.ToString() });
        await page.GotoAsync("index.html");
        await page.FillAsync("#sign-in input[name=key]", "not-the-key-0000000000");
        await page.ClickAsync("#sign-in button[type=submit]");
        await Assertions.Expect(page.Locator("#sign-in .error")).ToHaveTextAsync("That key is not valid.");

        await page.FillAsync("#sign-in input[name=key]", TestHost.Key);
        await page.ClickAsync("#sign-in button[type=submit]");
        var row = page.Locator("tr[data-instance='demo-page']");
        await Assertions.Expect(row).ToContainTextAsync("Running");
        await Assertions.Expect(row).ToContainTextAsync("waiting for Approval");

        await Assertions.Expect(page.Locator("#schedules")).ToContainTextAsync("schedules are off on this host");

        await row.Locator("a").First.ClickAsync();
        await page.WaitForURLAsync("**/run.html?id=demo-page");
        var timeline = page.Locator("table.timeline");
        await Assertions.Expect(timeline).ToContainTextAsync("DemoSquare ×4");
        await Assertions.Expect(timeline).ToContainTextAsync("completed");

        // The run goes on while the page is open; the timeline follows it.
        await _host.Client.RaiseEventAsync(id, "Approval", new { approved = true, by = "page" });
        await Assertions.Expect(page.Locator(".summary")).ToContainTextAsync("Completed", new() { Timeout = 30_000 });
        await Assertions.Expect(timeline).ToContainTextAsync("Approval");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("run.png"), FullPage = true });
    }
}
