using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using static AttentionService.Api.Tests.KestrelServiceFactory;

namespace AttentionService.Api.Tests.V2;

/// <summary>Body limits (plain and compressed), admission, deadlines and API keys over v2, on real Kestrel, exactly as on v1.</summary>
[Collection(nameof(Exclusive))]
public class V2ResilienceTests
{
    private const string Infer = "/v2/models/self_attention/infer";

    private static async Task ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = JsonNode.Parse(text)!;
        problem["error"]!.GetValue<string>().ShouldBe(problem["detail"]!.GetValue<string>());
    }

    /// <summary>n rows of d random numbers as a binary self-attention input, only the output wanted: about 0.14 s per million n² on the scalar path.</summary>
    private static HttpContent SlowProblem(int n, int d = 8)
    {
        var rng = new Random(n);
        var input = new Tensor("input", "FP32", [n, d], Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble()).ToArray()) { Binary = true };
        return V2Client.Request([input], new JsonObject { ["scoring"] = "scaled_dot" }, [("output", true)]);
    }

    [Fact]
    public async Task BinaryInputLargerThanTheMemoryBudget_Is413_BeforeItsBufferExists()
    {
        // The body limit allows 64 MiB; the memory budget 16 MiB: the binary input's declared 20 MiB is refused from
        // its binary_data_size, before a buffer of that size is rented.
        await using var factory = new KestrelServiceFactory(Setting("Attention:Limits:MemoryBudgetBytes", 16 << 20));

        using var response = await factory.CreateKestrelClient().PostAsync(Infer, SlowProblem(640 * 1024));

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge, text);
        text.ShouldContain("Attention:Limits:MemoryBudgetBytes");
    }

    [Fact]
    public async Task OversizeBody_Is413_PlainOrOnceDecompressed()
    {
        await using var factory = new KestrelServiceFactory(Setting("Attention:Limits:MaxRequestBodyBytes", 4096));
        var big = """{"inputs":[{"name":"input","shape":[1,3000],"datatype":"FP32","data":[""" + string.Join(",", Enumerable.Repeat("1", 3000)) + "]}]}";
        var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(big));
        }

        var gzipped = new ByteArrayContent(compressed.ToArray());
        gzipped.Headers.ContentType = new("application/json");
        gzipped.Headers.ContentEncoding.Add("gzip");

        // One connection each: the server closes a connection whose body it refused unread.
        using var plain = await factory.CreateKestrelClient().PostAsync(Infer, TestData.Json(big));
        using var binary = await factory.CreateKestrelClient().PostAsync(Infer, SlowProblem(256));
        using var bomb = await factory.CreateKestrelClient().PostAsync(Infer, gzipped);

        compressed.Length.ShouldBeLessThan(4096);
        await ShouldBeProblemAsync(plain, HttpStatusCode.RequestEntityTooLarge);
        await ShouldBeProblemAsync(binary, HttpStatusCode.RequestEntityTooLarge);
        await ShouldBeProblemAsync(bomb, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task BeyondConcurrencyAndQueue_TheExtraRequestsGet503WithRetryAfter()
    {
        const int concurrency = 1, queue = 1, extra = 2;
        await using var factory = new KestrelServiceFactory(
            Setting("Attention:Engine:MaxConcurrency", concurrency), Setting("Attention:Engine:QueueLength", queue), Setting("Attention:Engine:RetryAfterSeconds", 3),
            Setting("Attention:Engine:MaxIntakePerClient", 100)); // every request comes from one address here
        using var client = factory.CreateKestrelClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, concurrency + queue + extra).Select(_ => client.PostAsync(Infer, SlowProblem(2048))));

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
    public async Task PastTheDeadline_Is504()
    {
        await using var factory = new KestrelServiceFactory(Setting("Attention:Engine:TimeoutSeconds", 0.5));
        using var client = factory.CreateKestrelClient();

        using var response = await client.PostAsync(Infer, SlowProblem(8192)); // several seconds of work on the scalar path, however fast the machine

        await ShouldBeProblemAsync(response, HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task ApiKeys_RequiredForModels_NotForHealthOrServerMetadata()
    {
        const string key = "correct horse battery staple";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        await using var factory = new KestrelServiceFactory(Setting("Attention:Auth:ApiKeyHashes:0", hash));
        using var client = factory.CreateKestrelClient();
        var keyed = new HttpRequestMessage(HttpMethod.Post, Infer) { Content = SlowProblem(4) };
        keyed.Headers.Add("X-API-Key", key);

        using var missing = await client.PostAsync(Infer, SlowProblem(4));
        using var metadata = await client.GetAsync("/v2/models/attention");
        using var ok = await client.SendAsync(keyed);
        using var live = await client.GetAsync("/v2/health/live");
        using var server = await client.GetAsync("/v2");

        await ShouldBeProblemAsync(missing, HttpStatusCode.Unauthorized);
        await ShouldBeProblemAsync(metadata, HttpStatusCode.Unauthorized);
        ok.StatusCode.ShouldBe(HttpStatusCode.OK);
        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        server.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
