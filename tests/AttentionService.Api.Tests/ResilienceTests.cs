using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using AttentionService.Api.Compute;
using AttentionService.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using static AttentionService.Api.Tests.KestrelServiceFactory;

namespace AttentionService.Api.Tests;

/// <summary>Runs alone: these tests watch the process-wide tile counter and time real computations.</summary>
[CollectionDefinition(nameof(Exclusive), DisableParallelization = true)]
public sealed class Exclusive;

/// <summary>Limits, admission, deadlines, disconnects, slow clients, shutdown and API keys, on real Kestrel.</summary>
[Collection(nameof(Exclusive))]
public class ResilienceTests
{
    private static async Task ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.ShouldBe(status, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task OversizeBody_Is413_WithContentLengthAndChunked()
    {
        await using var factory = new KestrelServiceFactory(Setting("Attention:Limits:MaxRequestBodyBytes", 4096));
        using var client = factory.CreateKestrelClient();
        var big = "{\"query\":[[" + string.Join(",", Enumerable.Repeat("1", 5000)) + "]]}";

        using var withLength = await client.PostAsync("/v1/attention", TestData.Json(big));
        await ShouldBeProblemAsync(withLength, HttpStatusCode.RequestEntityTooLarge);

        // Chunked, from a raw socket that sends the body in small chunks and reads as soon as the server answers:
        // the server refuses once the body passes the limit, while nothing unread is in flight to reset the
        // connection before the client sees the answer.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, factory.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /v1/attention HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
        var chunk = Encoding.ASCII.GetBytes("200\r\n" + new string(' ', 0x200) + "\r\n");
        var answer = "";
        for (var sent = 0; sent < 64 && answer.Length == 0; sent++) // at most 32 KiB, eight times the limit
        {
            await stream.WriteAsync(chunk);
            if (tcp.Client.Poll(200_000, SelectMode.SelectRead))
            {
                var buffer = new byte[4096];
                answer = Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer));
            }
        }

        answer.ShouldStartWith("HTTP/1.1 413");
        answer.ShouldContain("application/problem+json");
    }

    [Fact]
    public async Task BeyondConcurrencyAndQueue_ExactlyTheExtraRequestsGet503WithRetryAfter()
    {
        const int concurrency = 1, queue = 2, extra = 2;
        await using var factory = new KestrelServiceFactory(
            Setting("Attention:Engine:MaxConcurrency", concurrency), Setting("Attention:Engine:QueueLength", queue), Setting("Attention:Engine:RetryAfterSeconds", 3),
            Setting("Attention:Engine:MaxIntakePerClient", concurrency + queue + extra)); // every request comes from one address here
        using var client = factory.CreateKestrelClient();
        var body = await SlowProblem(2048).ReadAsStringAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, concurrency + queue + extra).Select(_ => client.PostAsync("/v1/attention", TestData.Json(body))));

        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(concurrency + queue);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        refused.Count.ShouldBe(extra);
        foreach (var response in refused)
        {
            response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(3));
            await ShouldBeProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        }
    }

    [Fact]
    public async Task PastTheDeadline_Is504_AndTheComputationStops()
    {
        await using var factory = new KestrelServiceFactory(Setting("Attention:Engine:TimeoutSeconds", 0.25));
        using var client = factory.CreateKestrelClient();
        await Polling.UntilReadyAsync(client); // the warm-up's tiles are counted too
        using (var warm = await client.PostAsync("/v1/attention", SlowProblem(512)))
        {
            warm.StatusCode.ShouldBe(HttpStatusCode.OK); // the request path compiled: the deadline is spent on computing
        }

        var before = EngineCounters.TilesComputed;

        // On one thread of the scalar kernels, measured here: the tests' Debug build computes 32 to 46 of its 2048 tiles
        // within the deadline, a Release build all of them in 0.54 s, so about 950: under three quarters either way. At
        // d = 8 the body (1.3 MB) is read and parsed well within the deadline, so the computation does start; at d = 64
        // (10 MB) it had not, and only the warm-up's tiles, counted in the same counter, had kept this test passing.
        using var response = await client.PostAsync("/v1/attention", SlowProblem(8192));

        await ShouldBeProblemAsync(response, HttpStatusCode.GatewayTimeout);
        var after = await Polling.UntilTilesStopAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        (after - before).ShouldBeInRange(1, (WholeProblemTiles * 3 / 4) - 1);
    }

    /// <summary>The tiles of an 8192 × 8192 problem: 128 query tiles of 64 rows × 16 key tiles of 512 keys (<c>TileShape</c>).</summary>
    private const int WholeProblemTiles = (8192 / 64) * (8192 / 512);

    [Fact]
    public async Task DisconnectedClient_StopsItsComputation()
    {
        await using var factory = new KestrelServiceFactory();
        using var client = factory.CreateKestrelClient();
        using var cts = new CancellationTokenSource();
        await Polling.UntilReadyAsync(client); // the warm-up's tiles are counted too
        var before = EngineCounters.TilesComputed;

        var pending = client.PostAsync("/v1/attention", SlowProblem(8192, d: 64), cts.Token);
        await Polling.UntilAsync(() => EngineCounters.TilesComputed > before + 30, TimeSpan.FromSeconds(10), "the computation to start");
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(pending);
        var after = await Polling.UntilTilesStopAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        (after - before).ShouldBeLessThan(WholeProblemTiles * 3 / 4);
    }

    [Fact]
    public async Task ClientThatDoesNotRead_DoesNotHoldTheOnlyComputeSlot()
    {
        await using var factory = new KestrelServiceFactory(Setting("Attention:Engine:MaxConcurrency", 1), Setting("Attention:Engine:TimeoutSeconds", 60));
        var address = factory.BaseAddress;
        using var client = factory.CreateKestrelClient();

        // 1500 x 1500 weights: about 25 MB of answer, far more than the socket buffers hold, and this client never reads.
        var body = Encoding.UTF8.GetBytes((await SlowProblem(1500).ReadAsStringAsync()).Replace("\"returnWeights\":false", "\"returnWeights\":true", StringComparison.Ordinal));
        using var stalled = new TcpClient();
        await stalled.ConnectAsync(IPAddress.Loopback, address.Port);
        var head = $"POST /v1/attention HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        await stalled.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head).Concat(body).ToArray());
        await Polling.UntilAsync(() => factory.Logs.Any(l => l.Contains("query [1500, 8]", StringComparison.Ordinal)) || factory.Services.GetRequiredService<Admission>().Running > 0, TimeSpan.FromSeconds(20), "the stalled request to be taken in");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await client.PostAsync("/v1/attention", TestData.Json("""{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20)); // not held until the stalled request's 60 s deadline
    }

    [Fact]
    public async Task SlowlorisHeaderTrickle_IsCutOff()
    {
        await using var factory = new KestrelServiceFactory(Setting("Kestrel:Limits:RequestHeadersTimeout", "00:00:02"));
        var address = factory.BaseAddress;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, address.Port);
        var stream = tcp.GetStream();
        var started = DateTime.UtcNow;
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /v1/attention HTTP/1.1\r\nHost: localhost\r\n"));

        var cutOff = false;
        for (var i = 0; i < 200 && !cutOff; i++) // one header byte every 50 ms, for at most 10 s
        {
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes("X"));
                await Task.Delay(50);
                if (tcp.Client.Poll(0, SelectMode.SelectRead) && (tcp.Available == 0 || await stream.ReadAsync(new byte[4096]) >= 0))
                {
                    cutOff = true; // the server answered (408) or closed the connection
                }
            }
            catch (IOException)
            {
                cutOff = true;
            }
        }

        cutOff.ShouldBeTrue();
        (DateTime.UtcNow - started).ShouldBeLessThan(TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task Stopping_FinishesComputationsInFlight_WhileReadinessFailsAndNewWorkIsRefused()
    {
        var factory = new KestrelServiceFactory(Setting("Attention:Engine:MaxConcurrency", 2));
        try
        {
            using var client = factory.CreateKestrelClient();
            // Resolved now: once stopped, the host disposes its services.
            var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
            var health = factory.Services.GetRequiredService<HealthCheckService>();
            var admission = factory.Services.GetRequiredService<Admission>();
            var inFlight = new[] { client.PostAsync("/v1/attention", SlowProblem(2048)), client.PostAsync("/v1/attention", SlowProblem(2048)) };
            await Polling.UntilAsync(() => admission.Running == 2, TimeSpan.FromSeconds(10), "both computations to be admitted");

            var stopping = Task.Run(lifetime.StopApplication);
            await Polling.UntilAsync(() => lifetime.ApplicationStopping.IsCancellationRequested, TimeSpan.FromSeconds(5), "the host to begin stopping");

            var readiness = await health.CheckHealthAsync(c => c.Tags.Contains("ready"));
            readiness.Status.ShouldBe(HealthStatus.Unhealthy);
            admission.TryEnter(null, out var refusal).ShouldBeNull();
            refusal.ShouldNotBeNull().Detail.ShouldContain("shutting down");

            foreach (var response in await Task.WhenAll(inFlight))
            {
                response.StatusCode.ShouldBe(HttpStatusCode.OK);
                (await TestData.ReadObjectAsync(response))["output"]!.AsArray().Count.ShouldBe(2048);
            }

            await stopping;
        }
        finally
        {
            await factory.DisposeAsync();
        }
    }

    [Fact]
    public async Task ApiKeys_Required_OnV1Only_AndRateLimitedPerKey()
    {
        const string key = "correct horse battery staple";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        await using var factory = new KestrelServiceFactory(
            Setting("Attention:Auth:ApiKeyHashes:0", hash), Setting("Attention:Auth:PermitsPerSecond", 0.2), Setting("Attention:Auth:Burst", 2));
        using var client = factory.CreateKestrelClient();
        const string seed = """{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}""";
        HttpRequestMessage Post(string? apiKey)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attention") { Content = TestData.Json(seed) };
            if (apiKey is not null)
            {
                request.Headers.Add("X-API-Key", apiKey);
            }

            return request;
        }

        using var missing = await client.SendAsync(Post(null));
        using var wrong = await client.SendAsync(Post("wrong"));
        using var first = await client.SendAsync(Post(key));
        using var second = await client.SendAsync(Post(key));
        using var third = await client.SendAsync(Post(key));
        using var health = await client.GetAsync("/health/live");
        using var swagger = await client.GetAsync("/swagger/v1/swagger.json");

        await ShouldBeProblemAsync(missing, HttpStatusCode.Unauthorized);
        await ShouldBeProblemAsync(wrong, HttpStatusCode.Unauthorized);
        missing.Headers.WwwAuthenticate.ToString().ShouldContain("X-API-Key");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        await ShouldBeProblemAsync(third, HttpStatusCode.TooManyRequests);
        (await TestData.ReadObjectAsync(third))["type"]!.GetValue<string>().ShouldBe("https://tools.ietf.org/html/rfc6585#section-4");
        third.Headers.RetryAfter!.Delta!.Value.ShouldBeGreaterThan(TimeSpan.Zero);
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        swagger.StatusCode.ShouldBe(HttpStatusCode.OK);
        factory.Logs.ShouldNotContain(l => l.Contains(key) || l.Contains("wrong"));
    }

    [Fact]
    public async Task WithKeys_AKeylessRequestWithAWrongContentType_Is401Before415()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData("k"u8));
        await using var factory = new KestrelServiceFactory(Setting("Attention:Auth:ApiKeyHashes:0", hash));
        using var client = factory.CreateKestrelClient();

        using var keyless = await client.PostAsync("/v1/attention", new StringContent("{}", Encoding.UTF8, "text/plain"));
        using var keyed = new HttpRequestMessage(HttpMethod.Post, "/v1/attention") { Content = new StringContent("{}", Encoding.UTF8, "text/plain") };
        keyed.Headers.Add("X-API-Key", "k");
        using var withKey = await client.SendAsync(keyed);

        await ShouldBeProblemAsync(keyless, HttpStatusCode.Unauthorized);
        await ShouldBeProblemAsync(withKey, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public void MalformedKeyHash_StopsStartup()
    {
        using var factory = new KestrelServiceFactory(Setting("Attention:Auth:ApiKeyHashes:0", "not-a-hash"));

        Should.Throw<Microsoft.Extensions.Options.OptionsValidationException>(() => factory.CreateKestrelClient()).Message.ShouldContain("SHA-256");
    }
}
