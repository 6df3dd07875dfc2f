using System.Text.RegularExpressions;

namespace AttentionService.Api.Tests;

/// <summary>The README's Operations section, and deploy/README.md's metrics, name every metric, span, span attribute and request-log field the service emits.</summary>
[Collection(nameof(SharedService))]
public partial class OperationsDocumentationTests(AttentionServiceFactory factory)
{
    [GeneratedRegex("^(?<family>attention_[a-z_]+?)(_bucket|_sum|_count)?[{ ]", RegexOptions.Multiline)]
    private static partial Regex OwnMetric();

    [GeneratedRegex("(Span\\(|\\{ )\"(?<name>attention\\.[a-z_.]+)\"")]
    private static partial Regex SpanNameOrAttribute();

    [Fact]
    public async Task EveryMetric_IsListed_InBothReadmes()
    {
        var client = factory.CreateClient();
        using (var seed = await client.PostAsync("/v1/attention", TestData.Json("""{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}""")))
        {
            seed.EnsureSuccessStatusCode();
        }

        var scrape = await MetricsScrape.ReadAsync(client);
        var families = OwnMetric().Matches(scrape.Text).Select(m => m.Groups["family"].Value).Distinct().ToList();

        families.Count.ShouldBeGreaterThanOrEqualTo(14, scrape.Text);
        var operations = Section(Read("README.md"), "## Operations");
        var deploy = Read("deploy/README.md");
        families.ShouldAllBe(f => operations.Contains($"`{f}`"));
        families.ShouldAllBe(f => deploy.Contains($"`{f}`"));
    }

    [Fact]
    public void EverySpanAndSpanAttribute_IsListed()
    {
        var source = Read("src/AttentionService.Api/Telemetry/AttentionTelemetry.cs");
        var names = SpanNameOrAttribute().Matches(source).Select(m => m.Groups["name"].Value).Distinct().ToList();

        names.ShouldContain("attention.compute");
        names.ShouldContain("attention.kernel_path");
        var operations = Section(Read("README.md"), "## Operations");
        names.ShouldAllBe(n => operations.Contains($"`{n}`"));
    }

    [Fact]
    public async Task EveryRequestLogField_IsListed()
    {
        var row = string.Join(",", Enumerable.Repeat("0.25", 17)); // 17 columns: a shape no other test sends
        using (var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json($$"""{"query":[[{{row}}]],"key":[[{{row}}]],"value":[[1]]}""")))
        {
            response.EnsureSuccessStatusCode();
        }

        LogEntry? line = null;
        for (var i = 0; i < 100 && line is null; i++)
        {
            line = factory.Entries.FirstOrDefault(e => e.Properties.GetValueOrDefault("Shapes") == "query [1, 17], key [1, 17], value [1, 1]");
            await Task.Delay(line is null ? 20 : 0);
        }

        line.ShouldNotBeNull();
        var operations = Section(Read("README.md"), "## Operations");
        line.Properties.Keys.Where(k => k != "{OriginalFormat}").ShouldAllBe(k => operations.Contains($"`{k}`"));
    }

    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0, $"no {heading}");
        var end = markdown.IndexOf("\n## ", start + heading.Length + 2, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..end];
    }

    private static string Read(string path)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AttentionService.sln")))
            {
                return File.ReadAllText(Path.Combine(dir.FullName, path));
            }
        }

        throw new DirectoryNotFoundException("AttentionService.sln not found above " + AppContext.BaseDirectory);
    }
}
