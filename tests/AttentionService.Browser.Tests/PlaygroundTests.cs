using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AttentionService.Browser.Tests;

/// <summary>The playground at <c>/</c>: compute, read the heatmap's pixels, see refusals next to their fields, use it by keyboard and on a phone.</summary>
[Collection(nameof(Browsers))]
public class PlaygroundTests(BrowserFixture fixture)
{
    private static ILocator Status(IPage page) => page.Locator("#status");

    /// <summary>Opens the playground and waits for the example it computes on load.</summary>
    private async Task<BrowserPage> OpenAsync(int width = 1280, int height = 900)
    {
        var browser = await BrowserPage.OpenAsync(fixture, "/", width, height);
        await Expect(Status(browser.Page)).ToHaveAttributeAsync("data-state", "done");
        return browser;
    }

    private static async Task ComputeAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Compute", Exact = true }).ClickAsync();
        await Expect(Status(page)).Not.ToHaveAttributeAsync("data-state", "loading");
    }

    /// <summary>The colour drawn at the top-left corner of cell (row, col) of a heatmap canvas, clear of the printed value.</summary>
    private static async Task<int[]> CellColourAsync(ILocator canvas, int row, int col) =>
        await canvas.EvaluateAsync<int[]>(
            """
            (c, [row, col]) => {
              const d = c.dataset, dpr = c.width / c.clientWidth;
              const x = (Number(d.originX) + col * Number(d.cell) + 4) * dpr;
              const y = (Number(d.originY) + row * Number(d.cell) + 4) * dpr;
              return Array.from(c.getContext('2d').getImageData(Math.round(x), Math.round(y), 1, 1).data);
            }
            """,
            new[] { row, col });

    /// <summary>Moves the mouse over cell (row, col) of a heatmap canvas.</summary>
    private static async Task HoverCellAsync(ILocator canvas, int row, int col)
    {
        var box = (await canvas.BoundingBoxAsync())!;
        var cell = float.Parse((await canvas.GetAttributeAsync("data-cell"))!, CultureInfo.InvariantCulture);
        var originX = float.Parse((await canvas.GetAttributeAsync("data-origin-x"))!, CultureInfo.InvariantCulture);
        var originY = float.Parse((await canvas.GetAttributeAsync("data-origin-y"))!, CultureInfo.InvariantCulture);
        await canvas.Page.Mouse.MoveAsync(box.X + originX + ((col + 0.5f) * cell), box.Y + originY + ((row + 0.3f) * cell));
    }

    [SkippableFact]
    public async Task Playground_ComputesTheCorrectedWorkedExample_AndDrawsAHeatmap()
    {
        await using var browser = await OpenAsync();
        var page = browser.Page;

        await page.GetByLabel("Example").SelectOptionAsync("second-article");
        await ComputeAsync(page);

        await Expect(Status(page)).ToContainTextAsync("200 OK · scaled_dot · scale 0.57735 · float32");
        // The reference weight is 0.03035109; scores of about 26 carry float32 rounding of ~2e-6 relative into the
        // softmax, so the sixth significant digit the playground shows is not float32's to promise.
        await Expect(page.Locator("#output")).ToContainTextAsync("0.03035");
        await Expect(page.Locator("#output")).ToContainTextAsync("0.969649");
        var canvas = page.Locator("#heatmap-0 canvas");
        await Expect(canvas).ToHaveAttributeAsync("data-cols", "2");
        var low = await CellColourAsync(canvas, 0, 0);
        var high = await CellColourAsync(canvas, 0, 1);
        low[3].ShouldBe(255, "cell (0, 0) is painted");
        high[3].ShouldBe(255, "cell (0, 1) is painted");
        low.Take(3).ShouldNotBe(high.Take(3), "weights 0.03 and 0.97 must not share a colour");
        high.Take(3).Sum().ShouldBeLessThan(low.Take(3).Sum(), "the larger weight is the darker cell");
        await Expect(page.Locator("#heatmap-0 .legend")).ToContainTextAsync("weight");

        await HoverCellAsync(canvas, 0, 1);
        await Expect(page.Locator("#heatmap-0 .heatmap-readout")).ToHaveTextAsync("query 0 → key 1: 0.969649");
        await Expect(page.Locator("#heatmap-0 .heatmap-tooltip")).ToBeVisibleAsync();

        await browser.ScreenshotAsync("playground");
        browser.ShouldHaveNoConsoleErrors();
    }

    [SkippableFact]
    public async Task Playground_EqualWeights_DrawEqualColours()
    {
        await using var browser = await OpenAsync();
        var page = browser.Page;

        await page.GetByLabel("Example").SelectOptionAsync("first-article");
        await Expect(Status(page)).ToContainTextAsync("200 OK · pearson");

        var canvas = page.Locator("#heatmap-0 canvas");
        await Expect(canvas).ToHaveAttributeAsync("data-rows", "3");
        var first = await CellColourAsync(canvas, 0, 0);
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                (await CellColourAsync(canvas, i, j)).ShouldBe(first, $"every weight is 1/3, so cell ({i}, {j}) has the colour of cell (0, 0)");
            }
        }

        browser.ShouldHaveNoConsoleErrors();
    }

    /// <summary>Also the README's picture of the playground (Screenshots/playground.png is a copy of this one).</summary>
    [SkippableFact]
    public async Task Playground_CausalSelfAttention_DrawsALowerTriangle()
    {
        await using var browser = await OpenAsync(height: 860);
        var page = browser.Page;

        await page.GetByLabel("Example").SelectOptionAsync("six-tokens-causal");
        await Expect(Status(page)).ToContainTextAsync("200 OK · scaled_dot · scale 0.5");

        var canvas = page.Locator("#heatmap-0 canvas");
        await Expect(canvas).ToHaveAttributeAsync("data-rows", "6");
        var zero = await CellColourAsync(canvas, 0, 5);
        for (var i = 0; i < 6; i++)
        {
            (await CellColourAsync(canvas, i, i)).ShouldNotBe(zero, $"token {i} attends itself");
            for (var j = i + 1; j < 6; j++)
            {
                (await CellColourAsync(canvas, i, j)).ShouldBe(zero, $"causal: query {i} cannot see key {j}");
            }
        }

        await canvas.FocusAsync();
        await page.Keyboard.PressAsync("End");
        await Expect(page.Locator("#heatmap-0 .heatmap-readout")).ToHaveTextAsync(new Regex("^query 5 → key 5: 0\\.63"));
        await page.Keyboard.PressAsync("ArrowLeft");
        await Expect(page.Locator("#heatmap-0 .heatmap-readout")).ToHaveTextAsync(new Regex("^query 5 → key 4: 0\\.28"));

        // Leave the keyboard for the pointer: the README's picture shows a hovered cell without the focus ring.
        await page.Locator("#results-title").ClickAsync();
        await Expect(canvas).Not.ToBeFocusedAsync();
        await HoverCellAsync(canvas, 4, 3);
        await Expect(page.Locator("#heatmap-0 .heatmap-readout")).ToHaveTextAsync(new Regex("^query 4 → key 3: 0\\.2897"));

        await browser.ScreenshotAsync("playground-causal", fullPage: false);
        browser.ShouldHaveNoConsoleErrors();
    }

    [SkippableFact]
    public async Task Playground_MultiheadPerHead_DrawsOneHeatmapPerHead()
    {
        await using var browser = await OpenAsync();
        var page = browser.Page;

        await page.GetByLabel("Example").SelectOptionAsync("heads-differ");
        await Expect(Status(page)).ToContainTextAsync("200 OK");

        await Expect(page.Locator("#heatmaps figure")).ToHaveCountAsync(2);
        await Expect(page.Locator("#heatmap-0 .heatmap-title")).ToHaveTextAsync("head 0");
        await Expect(page.Locator("#heatmap-1 .heatmap-title")).ToHaveTextAsync("head 1");
        var head0 = await CellColourAsync(page.Locator("#heatmap-0 canvas"), 0, 0); // 0.85: head 0 matches dimensions 0-1
        var head1 = await CellColourAsync(page.Locator("#heatmap-1 canvas"), 0, 0); // 0.05: head 1 looks at dimensions 2-3
        head0.Take(3).Sum().ShouldBeLessThan(head1.Take(3).Sum(), "the heads weigh query 0 → key 0 differently");

        await browser.ScreenshotAsync("playground-heads");
        browser.ShouldHaveNoConsoleErrors();
    }

    [SkippableFact]
    public async Task Playground_RaggedMatrix_ShowsTheProblemNextToTheQueryField()
    {
        await using var browser = await OpenAsync();
        var page = browser.Page;
        var query = page.GetByLabel("Query", new() { Exact = false }).First;

        await query.FillAsync("[[1, 2],\n [3]]");
        await page.GetByLabel("Key", new() { Exact = false }).First.FillAsync("[[1, 2]]");
        await page.GetByLabel("Value", new() { Exact = false }).First.FillAsync("[[1]]");
        await ComputeAsync(page);

        await Expect(Status(page)).ToHaveTextAsync("422 The request is not a computable attention problem");
        var error = page.Locator("[data-field='query'] .field-error");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToContainTextAsync("query[1]: has 1 elements but the arrays before it at this depth have 2; tensors must be rectangular");
        await Expect(query).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(query).ToHaveAccessibleDescriptionAsync(new Regex("query\\[1\\]"));
        await Expect(page.Locator("[data-field='key'] .field-error")).ToBeHiddenAsync();
        await Expect(page.Locator("#problem-detail")).ToContainTextAsync("tensors must be rectangular");

        await browser.ScreenshotAsync("playground-problem");
        browser.ShouldHaveNoConsoleErrors(expectedRefusalStatus: 422);
    }

    [SkippableFact]
    public async Task Playground_MaskCells_ToggleWithTheKeyboard_AndMaskTheWeights()
    {
        await using var browser = await OpenAsync();
        var page = browser.Page;

        await page.GetByLabel("Mask", new() { Exact = false }).CheckAsync();
        var first = page.Locator(".mask-cell[data-row='0'][data-col='0']");
        await first.FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        var second = page.Locator(".mask-cell[data-row='0'][data-col='1']");
        await Expect(second).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(second).ToHaveAttributeAsync("aria-pressed", "false");
        await page.Keyboard.PressAsync("Enter");
        await Expect(second).ToHaveAttributeAsync("aria-pressed", "true");
        await page.Keyboard.PressAsync("Enter");
        await Expect(second).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(second).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+Enter");

        await Expect(Status(page)).ToHaveAttributeAsync("data-state", "done");
        await Expect(page.Locator("#output tbody td")).ToHaveTextAsync(["1", "0"]); // key 1 masked: the query takes value row 0 whole
        browser.ShouldHaveNoConsoleErrors();
    }

    [SkippableFact]
    public async Task Playground_EveryControlHasALabel_AndFocusIsVisible()
    {
        await using var browser = await OpenAsync();
        var page = browser.Page;

        var unlabelled = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('input, select, textarea')].filter(e => e.labels.length === 0).map(e => e.id || e.name)");
        unlabelled.ShouldBeEmpty();

        await page.GetByLabel("Example").FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        var outline = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement.matches('input[type=radio]') ? document.activeElement.nextElementSibling : document.activeElement).outlineStyle");
        outline.ShouldNotBe("none");
        browser.ShouldHaveNoConsoleErrors();
    }

    [SkippableFact]
    public async Task Playground_AtANarrowWidth_FitsWithoutScrollingSideways()
    {
        await using var browser = await OpenAsync(width: 380, height: 800);
        var page = browser.Page;

        await page.GetByLabel("Example").SelectOptionAsync("six-tokens-causal");
        await Expect(Status(page)).ToContainTextAsync("200 OK");

        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(380);
        var canvas = (await page.Locator("#heatmap-0 canvas").BoundingBoxAsync())!;
        (canvas.X + canvas.Width).ShouldBeLessThanOrEqualTo(380);
        await browser.ScreenshotAsync("playground-narrow");
        browser.ShouldHaveNoConsoleErrors();
    }
}
