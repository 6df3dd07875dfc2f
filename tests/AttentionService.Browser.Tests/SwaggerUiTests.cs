using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AttentionService.Browser.Tests;

/// <summary>Swagger UI as a person uses it: expand an operation, "Try it out", "Execute", read the answer.</summary>
[Collection(nameof(Browsers))]
public class SwaggerUiTests(BrowserFixture fixture)
{
    private static ILocator Operation(IPage page, string operationId) => page.Locator($"#operations-Attention-{operationId}");

    /// <summary>Expands the operation, presses "Try it out" when Swagger UI shows it, then "Execute"; returns the live answer's body.</summary>
    private static async Task<string> ExecuteAsync(IPage page, string operationId)
    {
        var operation = Operation(page, operationId);
        await operation.Locator(".opblock-summary").ClickAsync();
        var tryItOut = operation.GetByRole(AriaRole.Button, new() { Name = "Try it out" });
        var execute = operation.GetByRole(AriaRole.Button, new() { Name = "Execute" });
        await Expect(tryItOut.Or(execute)).ToBeVisibleAsync();
        if (await tryItOut.IsVisibleAsync())
        {
            await tryItOut.ClickAsync();
        }

        await execute.ClickAsync();
        var status = operation.Locator(".live-responses-table tbody .response-col_status");
        await Expect(status).ToHaveTextAsync("200");
        return await operation.Locator(".live-responses-table tbody .response-col_description pre.microlight").First.InnerTextAsync();
    }

    [SkippableFact]
    public async Task SwaggerUi_Loads_WithEveryEndpoint()
    {
        await using var browser = await BrowserPage.OpenAsync(fixture, "/swagger/");

        await Expect(browser.Page.Locator(".opblock")).ToHaveCountAsync(15); // six /v1 operations and nine of the Open Inference Protocol (/v2)
        await Expect(browser.Page.Locator(".info .title")).ToContainTextAsync("AttentionService");
        await browser.ScreenshotAsync("swagger-ui");
        browser.ShouldHaveNoConsoleErrors();
    }

    [SkippableFact]
    public async Task TryItOut_Execute_OnAttention_Shows200AndTheCorrectedWeights()
    {
        await using var browser = await BrowserPage.OpenAsync(fixture, "/swagger/");

        var body = JsonNode.Parse(await ExecuteAsync(browser.Page, "ComputeAttention"))!;

        var weights = body["weights"]![0]!.AsArray().Select(w => w!.GetValue<double>()).ToArray();
        weights.Length.ShouldBe(2);
        weights[0].ShouldBe(0.030351, 1e-6);
        weights[1].ShouldBe(0.969649, 1e-6);
        body["output"]![0]![1]!.GetValue<double>().ShouldBe(0.969649, 1e-6);
        await browser.ScreenshotAsync("swagger-try-it-out");
        browser.ShouldHaveNoConsoleErrors();
    }

    [SkippableTheory]
    [InlineData("ComputeSelfAttention", "output", 1, 0, 4.0)] // the first article's example, corrected: every row of Y is the column means [4, 5, 6]
    [InlineData("ComputeMultiheadAttention", "output", 1, 0, 5.813345)]
    public async Task TryItOut_Execute_PrefilledExample_Answers200(string operationId, string field, int row, int column, double expected)
    {
        await using var browser = await BrowserPage.OpenAsync(fixture, "/swagger/");

        var body = JsonNode.Parse(await ExecuteAsync(browser.Page, operationId))!;

        body[field]![row]![column]!.GetValue<double>().ShouldBe(expected, 1e-5);
        browser.ShouldHaveNoConsoleErrors();
    }

    [SkippableFact]
    public async Task TryItOut_Execute_OnScorings_ListsSixScorings()
    {
        await using var browser = await BrowserPage.OpenAsync(fixture, "/swagger/");

        var body = JsonNode.Parse(await ExecuteAsync(browser.Page, "ListScorings"))!.AsArray();

        body.Select(s => s!["name"]!.GetValue<string>()).ShouldBe(["scaled_dot", "dot", "cosine", "pearson", "general", "additive"]);
        browser.ShouldHaveNoConsoleErrors();
    }

    [SkippableFact]
    public async Task DocumentedResponses_ShowTheRefusalExamples()
    {
        await using var browser = await BrowserPage.OpenAsync(fixture, "/swagger/");
        var operation = Operation(browser.Page, "ComputeAttention");
        await operation.Locator(".opblock-summary").ClickAsync();

        var unprocessable = operation.Locator("tr.response[data-code='422']");
        await Expect(unprocessable.Locator(".examples-select")).ToContainTextAsync("The second article's example as printed");
        await Expect(unprocessable.Locator(".example.microlight, pre.microlight").First).ToContainTextAsync("key [3, 2]");
        await unprocessable.Locator("select.examples-select-element").SelectOptionAsync("ragged-matrix");
        await Expect(unprocessable.Locator("pre.microlight").First).ToContainTextAsync("query[1]");
        foreach (var status in new[] { "400", "413", "415" })
        {
            await Expect(operation.Locator($"tr.response[data-code='{status}'] pre.microlight").First).ToContainTextAsync($"\"status\": {status}");
        }

        await unprocessable.ScrollIntoViewIfNeededAsync();
        await browser.ScreenshotAsync("swagger-refusal-examples");
        browser.ShouldHaveNoConsoleErrors();
    }
}
