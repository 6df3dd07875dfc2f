using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AttentionService.Deployment.Tests;

/// <summary>
/// Request ids end to end through the real nginx: the gateway keeps a well-formed X-Request-Id or makes one, forwards
/// it and logs it; the replica logs it with the trace id and answers it with a traceresponse of the caller's trace.
/// Metrics are scraped from the replicas, never through the gateway.
/// </summary>
[Collection(nameof(Published))]
public partial class RequestIdGatewayTests(DeploymentFixture fixture)
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(10);

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex NginxRequestId();

    [SkippableFact]
    public async Task ClientRequestId_IsForwarded_Echoed_AndLoggedByGatewayAndReplica()
    {
        Skip.IfNot(NginxGateway.IsInstalled, NginxGateway.InstallHint);
        var deployment = await fixture.SharedDeploymentAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var trace = Http.NewTraceId();
        var id = $"order-{Guid.NewGuid():N}";

        using var response = await client.SendAsync(Http.PostSeed(new Uri(deployment.Api, "v1/attention"), trace, [("X-Request-Id", id)]));

        await Http.ShouldBeSeedAnswerAsync(response, deployment.Tails);
        response.Headers.GetValues("X-Request-Id").ShouldBe([id]);
        response.Headers.GetValues("traceresponse").Single().ShouldMatch($"^00-{trace}-[0-9a-f]{{16}}-01$");
        (await ReplicaLogAsync(deployment, trace)).GetProperty("RequestId").GetString().ShouldBe(id);
        (await GatewayLogAsync(deployment, id)).ShouldContain($"traceresponse=00-{trace}-");
    }

    [SkippableTheory]
    [InlineData(null)]
    [InlineData("has space")]
    [InlineData("x{y}")]
    public async Task MissingOrMalformedRequestId_GetsTheGatewaysOwn_WhichTheReplicaLogs(string? supplied)
    {
        Skip.IfNot(NginxGateway.IsInstalled, NginxGateway.InstallHint);
        var deployment = await fixture.SharedDeploymentAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var trace = Http.NewTraceId();

        using var response = await client.SendAsync(Http.PostSeed(new Uri(deployment.Api, "v1/attention"), trace, supplied is null ? [] : [("X-Request-Id", supplied)]));

        await Http.ShouldBeSeedAnswerAsync(response, deployment.Tails);
        var id = response.Headers.GetValues("X-Request-Id").ShouldHaveSingleItem();
        id.ShouldMatch(NginxRequestId().ToString());
        id.ShouldNotBe(trace, "nginx made this id, not the replica");
        (await ReplicaLogAsync(deployment, trace)).GetProperty("RequestId").GetString().ShouldBe(id);
        await GatewayLogAsync(deployment, id);
    }

    [SkippableFact]
    public async Task Metrics_AreNotPublishedByTheGateway_ButEachReplicaServesThem()
    {
        Skip.IfNot(NginxGateway.IsInstalled, NginxGateway.InstallHint);
        var deployment = await fixture.SharedDeploymentAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using (var seed = await client.SendAsync(Http.PostSeed(new Uri(deployment.Api, "v1/attention"), Http.NewTraceId())))
        {
            await Http.ShouldBeSeedAnswerAsync(seed, deployment.Tails);
        }

        using var hidden = await client.GetAsync(new Uri(deployment.Api, "metrics"));
        hidden.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var scrapes = new List<string>();
        foreach (var instance in deployment.Instances)
        {
            using var scrape = await client.GetAsync(new Uri(instance.Address, "/metrics"));
            scrape.StatusCode.ShouldBe(HttpStatusCode.OK);
            scrapes.Add(await scrape.Content.ReadAsStringAsync());
        }

        scrapes.ShouldAllBe(s => s.Contains("attention_queue_depth", StringComparison.Ordinal) && s.Contains("attention_log_dropped_total", StringComparison.Ordinal));
        scrapes.ShouldContain(s => s.Contains("attention_requests_total{otel_scope_name=\"AttentionService\",endpoint=\"/v1/attention\",status=\"200\"}", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task ProductionStart_LogsNoErrors_AndProbesLogNoLines()
    {
        Skip.IfNot(NginxGateway.IsInstalled, NginxGateway.InstallHint);
        var deployment = await fixture.SharedDeploymentAsync();

        // Each instance was polled on /health/ready until warm (503s included) and nginx probes nothing itself.
        foreach (var instance in deployment.Instances)
        {
            var logs = instance.Logs().ToList();
            logs.ShouldContain(l => l.GetProperty("@mt").GetString()!.StartsWith("Engine warm", StringComparison.Ordinal), instance.Tail);
            logs.Where(IsErrorOrFatal).ShouldBeEmpty(instance.Tail);
            instance.RequestLogs().ShouldNotContain(l => l.GetProperty("RequestPath").GetString()!.StartsWith("/health", StringComparison.Ordinal), instance.Tail);
        }
    }

    private static bool IsErrorOrFatal(JsonElement log) =>
        log.TryGetProperty("@l", out var level) && level.GetString() is "Error" or "Fatal";

    private static async Task<JsonElement> ReplicaLogAsync(GatewayDeployment deployment, string trace)
    {
        JsonElement? found = null;
        (await Http.EventuallyAsync(() => (found = deployment.Instances.Select(i => i.RequestLog(trace)).FirstOrDefault(l => l is not null)) is not null, LogWait))
            .ShouldBeTrue($"no replica logged trace {trace}\n{deployment.Tails}");
        return found!.Value;
    }

    private static async Task<string> GatewayLogAsync(GatewayDeployment deployment, string id)
    {
        string? line = null;
        (await Http.EventuallyAsync(() => (line = deployment.Gateway.Lines.FirstOrDefault(l => l.Contains($"request_id={id} ", StringComparison.Ordinal))) is not null, LogWait))
            .ShouldBeTrue($"nginx logged no request_id={id}\n{deployment.Gateway.Tail}");
        return line!;
    }
}
