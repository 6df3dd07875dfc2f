using System.Text.Json.Nodes;
using static AttentionService.Api.Tests.KestrelServiceFactory;

namespace AttentionService.Api.Tests;

/// <summary>What every answer's headers say, and what the OpenAPI document names as its server, on real Kestrel.</summary>
public class HeaderTests
{
    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/swagger/index.html")]
    [InlineData("GET", "/swagger/v1/swagger.json")]
    [InlineData("GET", "/health/live")]
    [InlineData("POST", "/v1/attention")]
    [InlineData("GET", "/nothing-here")]
    public async Task EveryAnswer_ForbidsSniffingAndFraming_HasAContentSecurityPolicy_AndNoServerHeader(string method, string path)
    {
        await using var factory = new KestrelServiceFactory();
        using var client = factory.CreateKestrelClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = TestData.Json("""{"query":[[1]],"key":[[1]],"value":[[1]]}""");
        }

        using var response = await client.SendAsync(request);

        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"]);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.ShouldContain("frame-ancestors 'none'");
        csp.ShouldContain("script-src 'self'");
        csp.ShouldNotContain("unsafe-eval");
        response.Headers.Contains("Server").ShouldBeFalse();
    }

    [Fact]
    public async Task OpenApiDocument_DoesNotEchoTheHostHeader()
    {
        await using var factory = new KestrelServiceFactory();
        using var client = factory.CreateKestrelClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/swagger/v1/swagger.json");
        request.Headers.Host = "attacker.example";

        using var response = await client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        text.ShouldNotContain("attacker.example");
        JsonNode.Parse(text)!["servers"]![0]!["url"]!.GetValue<string>().ShouldBe("/");
    }

    [Fact]
    public async Task OpenApiDocument_NamesTheConfiguredPublicUrl()
    {
        await using var factory = new KestrelServiceFactory(Setting("Attention:Gateway:PublicUrl", "https://api.example.com/attention"));
        using var client = factory.CreateKestrelClient();

        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;

        document["servers"]![0]!["url"]!.GetValue<string>().ShouldBe("https://api.example.com/attention");
    }
}
