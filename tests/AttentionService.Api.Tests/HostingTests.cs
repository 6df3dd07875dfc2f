using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests;

/// <summary>Health, logging, Server-Timing and options: the service as an operator sees it.</summary>
[Collection(nameof(SharedService))]
public class HostingTests(AttentionServiceFactory factory, ITestOutputHelper output)
{
    [Fact]
    public async Task Live_RunsNoChecks()
    {
        using var response = await factory.CreateClient().GetAsync("/health/live");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await TestData.ReadObjectAsync(response);
        body["status"]!.GetValue<string>().ShouldBe("Healthy");
        body["checks"]!.AsObject().Count.ShouldBe(0);
    }

    [Fact]
    public async Task Ready_ReportsTheWarmEngine()
    {
        var client = factory.CreateClient();
        await Polling.UntilReadyAsync(client); // warm-up runs in the background right after start
        using var response = await client.GetAsync("/health/ready");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await TestData.ReadObjectAsync(response);
        body["status"]!.GetValue<string>().ShouldBe("Healthy");
        body["checks"]!["engine"]!["status"]!.GetValue<string>().ShouldBe("Healthy");
    }

    [Fact]
    public async Task Post_WritesServerTimingWithParseComputeAndWrite()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json("""{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}"""));

        var timing = string.Join(",", response.Headers.GetValues("Server-Timing"));
        timing.ShouldMatch(@"^parse;dur=[\d.]+, queue;dur=[\d.]+, compute;dur=[\d.]+, write;dur=[\d.]+$");
    }

    [Fact]
    public async Task Post_LogsOneLineWithShapesButNoNumbers()
    {
        factory.Output = output;
        var row = "[1.2345," + string.Join(",", Enumerable.Repeat("0.5", 12)) + "]"; // 13 columns: a shape no other test sends
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json($$"""{"query":[{{row}}],"key":[{{row}},{{row}},{{row}}],"value":[[1],[2],[3]]}"""));
        response.EnsureSuccessStatusCode();

        var line = factory.Entries.Single(e => e.Properties.GetValueOrDefault("Shapes") == "query [1, 13], key [3, 13], value [3, 1]");
        line.Level.ShouldBe(Microsoft.Extensions.Logging.LogLevel.Information);
        line.Message.ShouldMatch(@"^HTTP ""POST"" ""/v1/attention"" responded 200 in \d+\.\d{3} ms query \[1, 13\], key \[3, 13\], value \[3, 1\]$");
        line.Properties["TraceId"].ShouldMatch("^[0-9a-f]{32}$");
        line.Properties["SpanId"].ShouldMatch("^[0-9a-f]{16}$");
        line.Properties["RequestId"].ShouldBe(line.Properties["TraceId"]); // no X-Request-Id was sent
        line.Properties["ClientAddress"].ShouldNotBeNullOrEmpty();
        response.Headers.GetValues("traceresponse").Single().ShouldStartWith($"00-{line.Properties["TraceId"]}-{line.Properties["SpanId"]}-");
        factory.Logs.ShouldNotContain(l => l.Contains("1.2345"));
    }

    [Fact]
    public void Options_AreBoundFromTheAttentionSection()
    {
        var options = factory.Services.GetRequiredService<IOptions<Hosting.AttentionOptions>>().Value;

        options.Limits.MaxRequestBodyBytes.ShouldBe(64L * 1024 * 1024);
        options.Limits.MaxScoreElements.ShouldBe(268_435_456);
        options.Limits.MaxReturnedWeights.ShouldBe(16_777_216);
    }

    [Fact]
    public void InvalidOptions_StopStartup_WithAClearMessage()
    {
        using var bad = new BadOptionsFactory();

        var e = Should.Throw<OptionsValidationException>(() => bad.CreateClient());
        e.Message.ShouldContain("MaxScoreElements");
    }

    private sealed class BadOptionsFactory : AttentionServiceFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Attention:Limits:MaxScoreElements", "0")];
    }
}
