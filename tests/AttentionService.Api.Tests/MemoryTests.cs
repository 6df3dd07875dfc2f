using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using AttentionService.Api.Compute;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static AttentionService.Api.Tests.KestrelServiceFactory;

namespace AttentionService.Api.Tests;

/// <summary>Admission by a memory budget: bodies and problems are charged before they exist, and running out of memory is a 503.</summary>
[Collection(nameof(Exclusive))]
public class MemoryTests(ITestOutputHelper output)
{
    /// <summary>768 MiB: the heap limit the runtime picks under the deployments' 1 GiB container limit.</summary>
    private const long HeapHardLimit = 0x30000000;

    /// <summary>
    /// 1 GiB: the deployments' container limit, which the process must stay under. The managed heap cannot pass
    /// <see cref="HeapHardLimit"/> (the runtime enforces it); the process's resident memory is that heap plus the
    /// runtime's own, and with the heap near its limit it was measured at 745 to 770 MiB.
    /// </summary>
    private const long ContainerLimit = 0x40000000;

    private static readonly int[] Expected = [200, 413, 422, 503];

    [Fact]
    public async Task ManyLargeRequests_UnderAHeapHardLimit_AnswerOnly200_503_413_422_AndTheProcessStaysWithinIt()
    {
        const int waves = 2, concurrent = 12;
        using var app = await AppProcess.StartAsync(new Dictionary<string, string>
        {
            ["DOTNET_GCHeapHardLimit"] = "0x" + HeapHardLimit.ToString("x", CultureInfo.InvariantCulture),
            ["Attention__Engine__MaxConcurrency"] = "2",

            // Memory is under test, not speed: deadlines a shared, busy CI machine cannot miss.
            ["Attention__Engine__TimeoutSeconds"] = "120",
            ["Attention__Engine__BodyTimeoutSeconds"] = "120",
        });
        var baseline = app.PeakResidentBytes();
        var body = LargeBody(keys: 40_000, d: 64);
        // Expect: 100-continue's wait for the server's word raised from HttpClient's 1 s: on a loaded machine a refusal
        // may come later, and a client that has begun sending 33 MB meanwhile may see the refusal's closed connection
        // as a reset instead of the answer.
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) };
        using var client = new HttpClient(handler) { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(240) };
        var answers = new ConcurrentQueue<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        for (var wave = 0; wave < waves; wave++)
        {
            await Task.WhenAll(Enumerable.Range(0, concurrent).Select(async _ =>
            {
                // As curl sends large bodies: a refusal before the body is read arrives before the body is sent.
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attention") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.ExpectContinue = true;
                try
                {
                    using var response = await client.SendAsync(request);
                    await response.Content.ReadAsByteArrayAsync();
                    answers.Enqueue(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                }
                catch (HttpRequestException e)
                {
                    answers.Enqueue($"no answer ({e.Message})");
                }
            }));
        }

        var elapsed = clock.Elapsed;
        app.HasExited.ShouldBeFalse(app.Tail());
        using (var small = await client.PostAsync("/v1/attention", TestData.Json("""{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}""")))
        {
            small.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var peak = app.PeakResidentBytes();
        var byStatus = answers.GroupBy(a => a).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} × {g.Key}");
        output.WriteLine($"{waves * concurrent} requests of {body.Length / 1e6:0.0} MB ({waves} waves of {concurrent} at once) in {elapsed.TotalSeconds:0.0} s: {string.Join(", ", byStatus)}");
        output.WriteLine($"peak RSS (VmHWM) {peak / 1048576.0:0} MiB under the {HeapHardLimit / 1048576} MiB heap hard limit of a {ContainerLimit / 1048576} MiB container; RSS now {app.ResidentBytes() / 1048576.0:0} MiB, {baseline / 1048576.0:0} MiB once ready");

        answers.Where(a => !Expected.Any(status => a == status.ToString(CultureInfo.InvariantCulture))).ShouldBeEmpty(app.Tail());
        answers.ShouldContain("200");
        peak.ShouldBeLessThan(ContainerLimit);
    }

    [Fact]
    public async Task ClaimedContentLength_IsNotAllocated_TheBodyBufferGrowsWithTheBytesReceived()
    {
        // The stalled bodies are held for the test's length, not cut off by the body data rate's 2 s grace while the
        // last of them are still being sent on a loaded machine.
        await using var factory = new KestrelServiceFactory(Setting("Kestrel:Limits:MinRequestBodyDataRate:GracePeriod", "00:01:00"));
        var budget = factory.Services.GetRequiredService<MemoryBudget>();
        var sockets = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var tcp = new TcpClient();
                sockets.Add(tcp);
                await tcp.ConnectAsync(IPAddress.Loopback, factory.BaseAddress.Port);
                await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes("POST /v1/attention HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 67108864\r\n\r\n{\"query\":"));
            }

            await Polling.UntilAsync(() => budget.Charged >= 10 * RequestBody.InitialBytes, TimeSpan.FromSeconds(20), "the ten bodies to be taken in");
            var charged = budget.Charged;
            output.WriteLine($"ten bodies claiming 64 MiB each are charged {charged} bytes");
            charged.ShouldBe(10L * RequestBody.InitialBytes);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ProblemThatDoesNotFitNow_Is503WithRetryAfter_AndComputesOnceMemoryIsFree()
    {
        await using var factory = new AttentionServiceFactory();
        using var client = factory.CreateClient();
        var budget = factory.Services.GetRequiredService<MemoryBudget>();
        var held = budget.Total - (1 << 20); // another request's share: about 1 MiB is left
        budget.TryCharge(held).ShouldBeTrue();
        HttpResponseMessage refused;
        try
        {
            refused = await client.PostAsync("/v1/attention", TestData.Json(Square(300)));
        }
        finally
        {
            budget.Release(held);
        }

        using var accepted = await client.PostAsync("/v1/attention", TestData.Json(Square(300)));

        refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter.ShouldNotBeNull();
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await TestData.ReadObjectAsync(refused))["detail"]!.GetValue<string>().ShouldContain("memory budget");
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        await Polling.UntilAsync(() => budget.Charged == 0, TimeSpan.FromSeconds(5), "every charge to be given back");
        refused.Dispose();
    }

    [Fact]
    public async Task ProblemThatCouldNeverFit_Is422CitingTheMemoryBudget()
    {
        await using var factory = new SettingsFactory(Setting("Attention:Limits:MemoryBudgetBytes", 16 << 20));

        // 2048 x 2048 float32 weights alone are 16 MiB.
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json(Square(2048)));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var detail = (await TestData.ReadObjectAsync(response))["detail"]!.GetValue<string>();
        detail.ShouldContain("Attention:Limits:MemoryBudgetBytes");
        detail.ShouldContain("without the weights");
    }

    [Fact]
    public async Task OutOfMemory_Is503_AndReadinessFailsUntilMemoryIsBack()
    {
        await using var factory = new OutOfMemoryFactory();
        using var client = factory.CreateClient();
        await Polling.UntilReadyAsync(client);

        using var response = await client.GetAsync("/out-of-memory");
        using var readiness = await client.GetAsync("/health/ready");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        response.Headers.RetryAfter.ShouldNotBeNull();
        readiness.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await readiness.Content.ReadAsStringAsync()).ShouldContain("out of memory");
        await Polling.UntilReadyAsync(client, seconds: 10); // once memory is back
    }

    /// <summary>One query of d numbers against <paramref name="keys"/> keys and values: about 38 MB of JSON at 40,000 x 64.</summary>
    private static byte[] LargeBody(int keys, int d)
    {
        var rng = new Random(7);
        var json = new StringBuilder(keys * d * 2 * 7);
        void Rows(int count)
        {
            json.Append('[');
            for (var i = 0; i < count; i++)
            {
                json.Append(i == 0 ? "[" : ",[");
                for (var x = 0; x < d; x++)
                {
                    json.Append(x == 0 ? "" : ",").Append(((rng.NextDouble() * 2) - 1).ToString("0.###", CultureInfo.InvariantCulture));
                }

                json.Append(']');
            }

            json.Append(']');
        }

        json.Append("{\"query\":");
        Rows(1);
        json.Append(",\"key\":");
        Rows(keys);
        json.Append(",\"value\":");
        Rows(keys);
        return Encoding.UTF8.GetBytes(json.Append('}').ToString());
    }

    private static string Square(int n)
    {
        var rows = string.Join(",", Enumerable.Repeat("[1]", n));
        return $$"""{"query":[{{rows}}],"key":[{{rows}}],"value":[{{rows}}]}""";
    }

    private sealed class SettingsFactory(params KeyValuePair<string, string?>[] settings) : AttentionServiceFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => settings;
    }

    /// <summary>The service with one more path, whose handler fails as an allocation the runtime cannot satisfy would.</summary>
    private sealed class OutOfMemoryFactory : AttentionServiceFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, ThrowingPath>());
        }

        private sealed class ThrowingPath : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                next(app);
#pragma warning disable CA2201 // the exception the runtime throws when an allocation fails, thrown here in its place
                app.Map("/out-of-memory", branch => branch.Run(_ => throw new OutOfMemoryException()));
#pragma warning restore CA2201
            };
        }
    }
}
