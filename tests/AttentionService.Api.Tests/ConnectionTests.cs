using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;
using static AttentionService.Api.Tests.KestrelServiceFactory;

namespace AttentionService.Api.Tests;

/// <summary>Slow uploads and idle sockets, on real Kestrel: a few clients must not hold the doors shut for the rest.</summary>
[Collection(nameof(Exclusive))]
public class ConnectionTests(ITestOutputHelper output)
{
    private const string Seed = """{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}""";

    [Fact]
    public async Task SlowUploadsFromOneAddress_CannotShutOutTheRest()
    {
        const int attackers = 8, real = 10;
        await using var factory = new KestrelServiceFactory(
            Setting("Attention:Engine:MaxConcurrency", 1), Setting("Attention:Engine:QueueLength", 3), Setting("Attention:Engine:MaxIntakePerClient", 2),
            Setting("Attention:Gateway:KnownNetworks:0", "127.0.0.1/32"));
        var port = factory.BaseAddress.Port;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var clock = Stopwatch.StartNew();

        // Each attacker claims a 100 kB body and trickles it at 300 B/s, through the gateway from one address.
        var attacks = Enumerable.Range(0, attackers).Select(_ => TrickleAsync(port, "203.0.113.7", bytesPerTick: 30, tick: TimeSpan.FromMilliseconds(100), stop.Token)).ToList();

        // The attack is in place once every attacker but the two the address may have in the service has its 429.
        var giveUp = Task.Delay(Timeout.Infinite, stop.Token);
        while (attacks.Count(a => a.IsCompleted) < attackers - 2 && !stop.IsCancellationRequested)
        {
            await Task.WhenAny(attacks.Where(a => !a.IsCompleted).Append(giveUp));
        }

        using var client = factory.CreateKestrelClient();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < real; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attention") { Content = TestData.Json(Seed) };
            request.Headers.Add("X-Forwarded-For", $"198.51.100.{i + 1}");
            using var response = await client.SendAsync(request);
            answers.Add(response.StatusCode);
        }

        var realDone = clock.Elapsed;
        var attacked = await Task.WhenAll(attacks);
        output.WriteLine($"{attackers} slow uploads (300 B/s) from one address; {real} requests from other addresses in {realDone.TotalSeconds:0.00} s: {string.Join(", ", answers.GroupBy(a => a).Select(g => $"{g.Count()} × {(int)g.Key}"))}");
        output.WriteLine("slow uploads answered: " + string.Join(", ", attacked.GroupBy(a => a.Answer[..Math.Min(3, a.Answer.Length)]).Select(g => $"{g.Count()} × {g.Key} (after {g.Min(a => a.After.TotalSeconds):0.0} to {g.Max(a => a.After.TotalSeconds):0.0} s)")));

        answers.ShouldAllBe(a => a == HttpStatusCode.OK);
        attacked.Count(a => a.Answer.StartsWith("429", StringComparison.Ordinal)).ShouldBe(attackers - 2); // two intake places for the address
        attacked.ShouldAllBe(a => a.After < TimeSpan.FromSeconds(6)); // the two admitted ones are cut off by the minimum rate
    }

    [Fact]
    public async Task BodyPastTheBodyDeadline_Is408()
    {
        await using var factory = new KestrelServiceFactory(
            Setting("Attention:Engine:BodyTimeoutSeconds", 1), Setting("Kestrel:Limits:MinRequestBodyDataRate:BytesPerSecond", 1));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var (answer, after) = await TrickleAsync(factory.BaseAddress.Port, null, bytesPerTick: 200, tick: TimeSpan.FromMilliseconds(100), stop.Token);

        answer.ShouldStartWith("408");
        answer.ShouldContain("application/problem+json");
        answer.ShouldContain("Attention:Engine:BodyTimeoutSeconds");
        after.ShouldBeLessThan(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task IdleSocketsFillingTheConnectionLimit_AreClosedWithinTheHeaderTimeout()
    {
        const int limit = 50;
        await using var factory = new KestrelServiceFactory(
            Setting("Kestrel:Limits:RequestHeadersTimeout", "00:00:02"), Setting("Kestrel:Limits:MaxConcurrentConnections", limit));
        var port = factory.BaseAddress.Port;
        var sockets = new List<TcpClient>();
        try
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < limit; i++)
            {
                var tcp = new TcpClient();
                sockets.Add(tcp);
                await tcp.ConnectAsync(IPAddress.Loopback, port);
            }

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var closedAfter = await Task.WhenAll(sockets.Select(async s =>
            {
                try
                {
                    while (await s.GetStream().ReadAsync(new byte[256], stop.Token) > 0)
                    {
                    }
                }
                catch (IOException)
                {
                }
                catch (OperationCanceledException)
                {
                    return TimeSpan.MaxValue;
                }

                return clock.Elapsed;
            }));
            using var client = factory.CreateKestrelClient();
            using var response = await client.PostAsync("/v1/attention", TestData.Json(Seed));

            var closed = closedAfter.Where(t => t != TimeSpan.MaxValue).ToList();
            output.WriteLine($"{limit} idle sockets (the connection limit) with a 2 s header timeout: {closed.Count} closed by the server, after {closed.Min().TotalSeconds:0.0} to {closed.Max().TotalSeconds:0.0} s; then a request answered {(int)response.StatusCode}");
            closed.Count.ShouldBe(limit);
            // Measured at 4.0 s here (the timeout plus Kestrel's one-second heartbeats); the bound leaves room for a loaded
            // machine's late continuations and is still far below the 30 s header and 130 s keep-alive defaults.
            closed.Max().ShouldBeLessThan(TimeSpan.FromSeconds(8));
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Defaults_CloseIdleConnectionsWithTheHeaderTimeout_AndAllowManyConnections()
    {
        await using var factory = new KestrelServiceFactory();
        var limits = factory.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        limits.KeepAliveTimeout.ShouldBe(limits.RequestHeadersTimeout);
        limits.RequestHeadersTimeout.ShouldBe(TimeSpan.FromSeconds(10));
        limits.MaxConcurrentConnections.ShouldBe(10_000);
        limits.MinRequestBodyDataRate!.BytesPerSecond.ShouldBe(64 * 1024);
    }

    /// <summary>POSTs a 100 kB body a few bytes at a time until the server answers or closes; what it answered (status line and body) and when.</summary>
    private static async Task<(string Answer, TimeSpan After)> TrickleAsync(int port, string? forwardedFor, int bytesPerTick, TimeSpan tick, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, ct);
        var stream = tcp.GetStream();
        var forwarded = forwardedFor is null ? "" : $"X-Forwarded-For: {forwardedFor}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/attention HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{forwarded}Content-Length: 100000\r\n\r\n{{\"query\":["), ct);
        var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("[1],", (bytesPerTick + 3) / 4))[..bytesPerTick]);
        var received = new StringBuilder();
        var buffer = new byte[8192];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (tcp.Client.Poll(0, SelectMode.SelectRead))
                {
                    var read = await stream.ReadAsync(buffer, ct);
                    if (read == 0)
                    {
                        break;
                    }

                    received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    await Task.Delay(50, ct); // the rest of the answer
                    continue;
                }

                if (received.Length > 0)
                {
                    break;
                }

                await stream.WriteAsync(chunk, ct);
                await Task.Delay(tick, ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
        }

        var text = received.ToString();
        return (text.Length == 0 ? "closed" : text["HTTP/1.1 ".Length..], clock.Elapsed);
    }
}
