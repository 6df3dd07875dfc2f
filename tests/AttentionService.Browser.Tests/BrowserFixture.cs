using Microsoft.Playwright;

namespace AttentionService.Browser.Tests;

/// <summary>
/// One service and one headless Debian chromium for all browser tests; each test opens its own context and page.
/// Without <c>/usr/bin/chromium</c> nothing starts and every test is skipped.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The documented Debian location; Playwright's own browser downloads are not reachable from CI.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    public const string SkipReason = $"{ChromiumPath} not found: install Debian's chromium (apt-get install -y chromium) to run the browser tests";

    private readonly BrowserServiceFactory _service = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static bool ChromiumInstalled => File.Exists(ChromiumPath);

    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException(SkipReason);

    /// <summary>Screenshots land beside the test assembly, where CI can collect them as artifacts.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!ChromiumInstalled)
        {
            return;
        }

        Directory.CreateDirectory(ScreenshotDirectory);
        Address = _service.Address;
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            Timeout = 30_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await _service.DisposeAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
}

[CollectionDefinition(nameof(Browsers))]
public sealed class Browsers : ICollectionFixture<BrowserFixture>;
