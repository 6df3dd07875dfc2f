using System.Net;
using System.Text.Json.Nodes;

namespace AttentionService.Deployment.Tests;

/// <summary>
/// The published service behind a real nginx running deploy/nginx/nginx.conf: the path prefix, Swagger under it,
/// forwarded client addresses and routing around a stopped replica.
/// </summary>
[Collection(nameof(Published))]
public class GatewayTests(DeploymentFixture fixture)
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(10);

    [SkippableFact]
    public async Task Post_UnderThePrefix_AnswersTheSeedExample_FromBothReplicas()
    {
        Skip.IfNot(NginxGateway.IsInstalled, NginxGateway.InstallHint);
        var deployment = await fixture.SharedDeploymentAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        var traces = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var trace = Http.NewTraceId();
            using var response = await client.SendAsync(Http.PostSeed(new Uri(deployment.Api, "v1/attention"), trace));
            await Http.ShouldBeSeedAnswerAsync(response, deployment.Tails);
            traces.Add(trace);
        }

        // Round robin over the two upstream servers the test put into the configuration: each served some.
        (await Http.EventuallyAsync(() => deployment.Instances.All(i => traces.Any(t => i.RequestLog(t) is not null)), LogWait))
            .ShouldBeTrue($"both instances should have served one of {traces.Count} requests\n{deployment.Tails}");
    }

    [SkippableFact]
    public async Task SwaggerUi_AndTheDocument_LoadUnderThePrefix_AndNameTheGatewayUrl()
    {
        Skip.IfNot(NginxGateway.IsInstalled, NginxGateway.InstallHint);
        var deployment = await fixture.SharedDeploymentAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // /attention/swagger redirects (relatively) to the UI's index page, still under the prefix.
        using var ui = await client.GetAsync(new Uri(deployment.Api, "swagger"));
        ui.StatusCode.ShouldBe(HttpStatusCode.OK, deployment.Tails);
        ui.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/attention/swagger/index.html");
        var html = await ui.Content.ReadAsStringAsync();
        html.ShouldContain("swagger-ui");

        // The UI's own script and the document it loads, both relative to the page.
        using var bundle = await client.GetAsync(new Uri(deployment.Api, "swagger/swagger-ui-bundle.js"));
        bundle.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var document = await client.GetAsync(new Uri(deployment.Api, "swagger/v1/swagger.json"));
        document.StatusCode.ShouldBe(HttpStatusCode.OK, deployment.Tails);

        var json = JsonNode.Parse(await document.Content.ReadAsStringAsync())!;
        json["servers"]![0]!["url"]!.GetValue<string>().ShouldBe("/attention");
        json["paths"]!.AsObject().Select(p => p.Key).ShouldContain("/v1/attention");
    }

    [SkippableFact]
    public async Task ClientAddress_Logged_IsTheOneTheGatewayForwarded()
    {
        Skip.IfNot(NginxGateway.IsInstalled, NginxGateway.InstallHint);
        var deployment = await fixture.SharedDeploymentAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // nginx appends the address it saw (127.0.0.1, a known network) to the client's 203.0.113.7.
        var forwarded = Http.NewTraceId();
        using (var response = await client.SendAsync(Http.PostSeed(new Uri(deployment.Api, "v1/attention"), forwarded, [("X-Forwarded-For", "203.0.113.7")])))
        {
            await Http.ShouldBeSeedAnswerAsync(response, deployment.Tails);
        }

        var direct = Http.NewTraceId();
        using (var response = await client.SendAsync(Http.Get(new Uri(deployment.Api, "v1/scorings"), direct)))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var log = await LogOfAsync(deployment, forwarded);
        log.GetProperty("ClientAddress").GetString().ShouldBe("203.0.113.7");
        log.GetProperty("RequestPath").GetString().ShouldBe("/v1/attention");
        (await LogOfAsync(deployment, direct)).GetProperty("ClientAddress").GetString().ShouldBe("127.0.0.1");
    }

    [SkippableFact]
    public async Task OneReplicaStopped_RequestsKeepSucceeding()
    {
        Skip.IfNot(NginxGateway.IsInstalled, NginxGateway.InstallHint);
        using var deployment = await GatewayDeployment.StartAsync(fixture, "failover");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < 4; i++)
        {
            // Opens keep-alive connections to both replicas, so the stop also cuts connections nginx holds.
            using var warm = await client.SendAsync(Http.PostSeed(new Uri(deployment.Api, "v1/attention"), Http.NewTraceId()));
            await Http.ShouldBeSeedAnswerAsync(warm, deployment.Tails);
        }

        // What `docker stop` and the kubelet do: SIGTERM, and the host ends well within its 25 s shutdown timeout.
        var stopped = deployment.Instances[0];
        (await stopped.StopAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue($"{stopped.Name} still runs 30 s after SIGTERM\n{stopped.Tail}");
        stopped.ExitCode.ShouldBe(0, stopped.Tail);
        stopped.Logs().ShouldContain(l => l.GetProperty("@mt").GetString()!.StartsWith("Application is shutting down", StringComparison.Ordinal));

        var survivor = deployment.Instances[1];
        var traces = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var trace = Http.NewTraceId();
            using var response = await client.SendAsync(Http.PostSeed(new Uri(deployment.Api, "v1/attention"), trace));
            await Http.ShouldBeSeedAnswerAsync(response, $"request {i + 1} of 20 after stopping {stopped.Name}\n{deployment.Tails}");
            traces.Add(trace);
        }

        (await Http.EventuallyAsync(() => traces.All(t => survivor.RequestLog(t) is not null), LogWait))
            .ShouldBeTrue($"{survivor.Name} should have served all 20\n{deployment.Tails}");
    }

    [SkippableFact]
    public async Task AReplicaAnswering503_IsRoutedAround_EvenForPosts()
    {
        Skip.IfNot(NginxGateway.IsInstalled, NginxGateway.InstallHint);
        using var unavailable = new UnavailableReplica();
        using var instance = await ServiceInstance.StartAsync(fixture, "beside-503", GatewayDeployment.TrustLoopbackGateway);
        using var gateway = await NginxGateway.StartAsync([unavailable.Address, instance.Address]);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        for (var i = 0; i < 6; i++)
        {
            using var response = await client.SendAsync(Http.PostSeed(new Uri(gateway.Address, "/attention/v1/attention"), Http.NewTraceId()));
            await Http.ShouldBeSeedAnswerAsync(response, $"request {i + 1}\n{instance.Tail}\n{gateway.Tail}");
        }

        // Round robin starts with the first server: at least one POST met the 503 and was sent on.
        unavailable.Answered.ShouldBeGreaterThanOrEqualTo(1, gateway.Tail);
    }

    private static async Task<System.Text.Json.JsonElement> LogOfAsync(GatewayDeployment deployment, string traceId)
    {
        System.Text.Json.JsonElement? found = null;
        var logged = await Http.EventuallyAsync(() => (found = deployment.Instances.Select(i => i.RequestLog(traceId)).FirstOrDefault(l => l is not null)) is not null, LogWait);
        logged.ShouldBeTrue($"no request log carries trace {traceId}\n{deployment.Tails}");
        return found!.Value;
    }
}
