using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace AttentionService.Api.Tests.Wire;

/// <summary>Compressed bodies in, compressed answers out, on real Kestrel with a small body limit.</summary>
[Collection(nameof(Exclusive))]
public class CompressionTests(CompressionTests.Service service) : IClassFixture<CompressionTests.Service>
{
    public sealed class Service() : KestrelServiceFactory(Setting("Attention:Limits:MaxRequestBodyBytes", 64 * 1024));

    private const string Seed = """{"query":[[1,0,1]],"key":[[1,0,1],[0,1,0]],"value":[[1,2],[3,4]]}""";

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task CompressedBody_IsAccepted(string encoding)
    {
        using var client = service.CreateKestrelClient();
        using var response = await client.PostAsync("/v1/attention", Compressed(Encoding.UTF8.GetBytes(Seed), encoding));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TestData.ReadObjectAsync(response))["weights"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task ZipBomb_Is413_WithoutReadingPastTheLimit()
    {
        // 64 MiB of spaces inside a JSON value inflate from about 64 KiB of gzip: far past the 64 KiB limit.
        var bomb = new MemoryStream();
        using (var gzip = new GZipStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write("{\"query\":"u8);
            var spaces = new byte[1 << 20];
            spaces.AsSpan().Fill((byte)' ');
            for (var i = 0; i < 64; i++)
            {
                gzip.Write(spaces);
            }

            gzip.Write("[[1]]}"u8);
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        using var client = service.CreateKestrelClient();
        using var content = new ByteArrayContent(bomb.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await client.PostAsync("/v1/attention", content);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (GC.GetTotalMemory(forceFullCollection: true) - before).ShouldBeLessThan(32L << 20);
    }

    [Theory]
    [InlineData("br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, br", "gzip")] // both accepted: the cheaper codec
    [InlineData("br;q=1, gzip;q=0.5", "br")]
    public async Task AcceptEncoding_CompressesTheAnswer(string accept, string expected)
    {
        using var client = service.CreateKestrelClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attention") { Content = TestData.Json(Seed) };
        request.Headers.TryAddWithoutValidation("Accept-Encoding", accept);
        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentEncoding.ShouldBe([expected]);
        using var inflated = expected == "br"
            ? (Stream)new BrotliStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress)
            : new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        (await new StreamReader(inflated).ReadToEndAsync()).ShouldStartWith("{\"output\":[[");
    }

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task Base64Answers_AreNotCompressed(string accept)
    {
        using var client = service.CreateKestrelClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attention") { Content = TestData.Json(Seed[..^1] + ""","encoding":"base64"}""") };
        request.Headers.TryAddWithoutValidation("Accept-Encoding", accept);
        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentEncoding.ShouldBeEmpty();
        (await TestData.ReadObjectAsync(response))["weights"]!["dtype"]!.GetValue<string>().ShouldBe("float32");
    }

    [Fact]
    public async Task WithoutAcceptEncoding_TheAnswerIsPlain()
    {
        using var client = service.CreateKestrelClient();
        using var response = await client.PostAsync("/v1/attention", TestData.Json(Seed));

        response.Content.Headers.ContentEncoding.ShouldBeEmpty();
    }

    private static ByteArrayContent Compressed(byte[] body, string encoding)
    {
        var buffer = new MemoryStream();
        using (Stream compressor = encoding switch
        {
            "gzip" => new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
            _ => new BrotliStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
        })
        {
            compressor.Write(body);
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add(encoding);
        return content;
    }
}
