using System.Net;
using System.Text.Json.Nodes;

namespace AttentionService.Deployment.Tests;

/// <summary>Forwarded headers sent straight to an instance: believed from a known network only, and a path base without a gateway.</summary>
[Collection(nameof(Published))]
public class ForwardedHeaderTests(DeploymentFixture fixture)
{
    private static readonly (string, string)[] Spoofed =
    [
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Prefix", "/elsewhere"),
    ];

    [Fact]
    public async Task FromAKnownNetwork_TheHeadersAreBelieved()
    {
        using var instance = await ServiceInstance.StartAsync(fixture, "trusting", GatewayDeployment.TrustLoopbackGateway);

        var (clientAddress, server) = await SendSpoofedAsync(instance, prefix: "");

        clientAddress.ShouldBe("203.0.113.7");
        server.ShouldBe("/elsewhere"); // relative: the Host header is never echoed into the document
    }

    [Theory]
    [InlineData("none configured (the default: not even loopback)", null)]
    [InlineData("another network", "192.0.2.0/24")]
    public async Task FromAnUnknownAddress_TheHeadersAreIgnored(string why, string? knownNetwork)
    {
        using var instance = await ServiceInstance.StartAsync(fixture, $"untrusting ({why})", new Dictionary<string, string?>
        {
            ["Attention__Gateway__KnownNetworks__0"] = knownNetwork,
        });

        var (clientAddress, server) = await SendSpoofedAsync(instance, prefix: "");

        clientAddress.ShouldBe("127.0.0.1");
        server.ShouldBe("/");
    }

    [Fact]
    public async Task AConfiguredPathBase_ServesUnderIt_AndNamesItAsTheServer()
    {
        using var instance = await ServiceInstance.StartAsync(fixture, "path-base", new Dictionary<string, string?>
        {
            ["Attention__Gateway__PathBase"] = "/attention",
        });

        var (clientAddress, server) = await SendSpoofedAsync(instance, prefix: "/attention");

        clientAddress.ShouldBe("127.0.0.1");
        server.ShouldBe("/attention");
    }

    [Fact]
    public async Task AKnownNetworkThatIsNotARange_StopsStartup_NamingIt()
    {
        using var process = ServiceInstance.Launch(fixture, "bad-network", new Dictionary<string, string?>
        {
            ["Attention__Gateway__KnownNetworks__0"] = "10.0.0.1/8",
        });

        (await process.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBeTrue($"it should refuse to start\n{process.Tail()}");
        process.ExitCode.ShouldNotBe(0);
        process.Lines.ShouldContain(l => l.Contains("Attention:Gateway:KnownNetworks:0 is '10.0.0.1/8'"), process.Tail());
    }

    /// <summary>POSTs the seed example and GETs the OpenAPI document with spoofed forwarded headers; returns the logged client address and the document's server.</summary>
    private static async Task<(string ClientAddress, string Server)> SendSpoofedAsync(ServiceInstance instance, string prefix)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var trace = Http.NewTraceId();
        using (var response = await client.SendAsync(Http.PostSeed(new Uri(instance.Address, $"{prefix}/v1/attention"), trace, Spoofed)))
        {
            await Http.ShouldBeSeedAnswerAsync(response, instance.Tail);
        }

        using var document = await client.SendAsync(Http.Get(new Uri(instance.Address, $"{prefix}/swagger/v1/swagger.json"), Http.NewTraceId(), Spoofed));
        document.StatusCode.ShouldBe(HttpStatusCode.OK, instance.Tail);
        var server = JsonNode.Parse(await document.Content.ReadAsStringAsync())!["servers"]![0]!["url"]!.GetValue<string>();

        (await Http.EventuallyAsync(() => instance.RequestLog(trace) is not null, TimeSpan.FromSeconds(10))).ShouldBeTrue(instance.Tail);
        var log = instance.RequestLog(trace)!.Value;
        log.GetProperty("RequestPath").GetString().ShouldBe("/v1/attention");
        return (log.GetProperty("ClientAddress").GetString()!, server);
    }
}
