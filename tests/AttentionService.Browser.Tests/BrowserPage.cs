using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace AttentionService.Browser.Tests;

/// <summary>
/// A fresh browser context and page for one test, opened on a path of the service. It records every console error
/// and uncaught page error, so each test can end by asserting the page stayed clean, and writes screenshots.
/// </summary>
public sealed partial class BrowserPage : IAsyncDisposable
{
    /// <summary>Bounds every wait: a page that does not answer in this time has failed, not hung the run.</summary>
    public const float Timeout = 15_000;

    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<string> _errors = new();

    private BrowserPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.SetDefaultTimeout(Timeout);
        page.SetDefaultNavigationTimeout(Timeout);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _errors.Enqueue($"console: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => _errors.Enqueue($"page error: {error}");
    }

    public IPage Page { get; }

    /// <summary>Skips the test when chromium is not installed; otherwise opens <paramref name="path"/> at the given width.</summary>
    public static async Task<BrowserPage> OpenAsync(BrowserFixture fixture, string path, int width = 1280, int height = 900)
    {
        Skip.IfNot(BrowserFixture.ChromiumInstalled, BrowserFixture.SkipReason);
        Assertions.SetDefaultExpectTimeout(Timeout);
        var context = await fixture.Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        var page = new BrowserPage(context, await context.NewPageAsync());
        var response = await page.Page.GotoAsync(new Uri(fixture.Address, path).ToString());
        response.ShouldNotBeNull();
        response.Ok.ShouldBeTrue($"GET {path} answered {response.Status}");
        return page;
    }

    /// <summary>Writes a screenshot (the whole page, or what the window shows) to the test output's <c>screenshots</c> folder.</summary>
    public async Task<string> ScreenshotAsync(string name, bool fullPage = true)
    {
        var path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png");
        await Page.ScreenshotAsync(new() { Path = path, FullPage = fullPage });
        return path;
    }

    /// <summary>
    /// Asserts nothing was logged as an error. Chromium itself logs every 4xx answer to fetch as an error
    /// ("Failed to load resource"); a test that provokes a refusal on purpose names its status to allow exactly that.
    /// </summary>
    public void ShouldHaveNoConsoleErrors(int? expectedRefusalStatus = null)
    {
        var errors = _errors.ToList();
        if (expectedRefusalStatus is { } status)
        {
            var refusal = errors.FindIndex(e => RefusalLog().Match(e) is { Success: true } m && m.Groups["status"].Value == $"{status}");
            refusal.ShouldBeGreaterThanOrEqualTo(0, $"the browser should have logged the {status} answer");
            errors.RemoveAt(refusal);
        }

        errors.ShouldBeEmpty();
    }

    [GeneratedRegex(@"^console: Failed to load resource: the server responded with a status of (?<status>\d{3}) .*/v1/attention")]
    private static partial Regex RefusalLog();

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
