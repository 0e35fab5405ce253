using Microsoft.Playwright;

namespace Serverless.Hosting.Tests;

/// <summary>
/// Headless Chromium from the operating system (Debian's <c>chromium</c> package), driven by Playwright
/// through its <c>ExecutablePath</c>, so no browser download is needed. <c>SERVERLESS_CHROMIUM</c> overrides the path.
/// </summary>
internal static class Browser
{
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("SERVERLESS_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not at {ExecutablePath}: install it with `apt-get install -y chromium` or set SERVERLESS_CHROMIUM to its path.");
        }
        // Expectations poll the page until it shows what they wait for; Playwright's 5 s default deadline is too short
        // for a 2-core machine that is also building, so a page that is right but slow would fail.
        Assertions.SetDefaultExpectTimeout(30_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--disable-gpu", "--disable-dev-shm-usage"],
        });
        return (playwright, browser);
    }

    /// <summary>A screenshot file under <c>artifacts/screenshots/</c> of the repository (or of the test output when run elsewhere).</summary>
    public static string ScreenshotPath(string name)
    {
        var folder = AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                folder = dir.FullName;
                break;
            }
        }
        var path = Path.Combine(folder, "artifacts", "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
