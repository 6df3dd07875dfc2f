using System.Net;
using System.Runtime.InteropServices;

namespace AttentionService.Api.Tests.Wire;

/// <summary>Answers past the buffered size, formatted straight into the response pipe on real Kestrel.</summary>
[Collection(nameof(Exclusive))]
public class StreamedAnswerTests(StreamedAnswerTests.Service service) : IClassFixture<StreamedAnswerTests.Service>
{
    public sealed class Service() : KestrelServiceFactory();

    [Fact]
    public async Task StreamedAnswers_InBase64AndNested_CarryTheSameNumbers()
    {
        // 600 x 600 weights: 1.4 MB as base64 and about 6 MB nested, both past the 1 MiB that is sent whole.
        const int n = 600, d = 8;
        var random = new Random(11);
        var values = Enumerable.Range(0, n * d).Select(_ => (float)Math.Round(random.NextDouble() * 2 - 1, 3)).ToArray();
        var tensor = $$"""{"dtype":"float32","shape":[{{n}},{{d}}],"data":"{{Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan()))}}"}""";
        var request = $$"""{"query":{{tensor}},"key":{{tensor}},"value":{{tensor}},"returnWeights":true""";
        using var client = service.CreateKestrelClient();

        using var base64 = await client.PostAsync("/v1/attention", TestData.Json(request + ""","encoding":"base64"}"""));
        using var nested = await client.PostAsync("/v1/attention", TestData.Json(request + "}"));

        base64.StatusCode.ShouldBe(HttpStatusCode.OK);
        nested.StatusCode.ShouldBe(HttpStatusCode.OK);
        base64.Headers.TransferEncodingChunked.ShouldBe(true); // streamed, not sent whole
        var fromBase64 = await TestData.ReadObjectAsync(base64);
        var fromNested = await TestData.ReadObjectAsync(nested);
        foreach (var field in new[] { "output", "weights" })
        {
            var decoded = MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(fromBase64[field]!["data"]!.GetValue<string>())).ToArray();
            var rows = fromNested[field]!.AsArray();
            var flat = rows.SelectMany(r => r!.AsArray().Select(x => x!.GetValue<float>())).ToArray();
            fromBase64[field]!["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ShouldBe([rows.Count, rows[0]!.AsArray().Count]);
            decoded.ShouldBe(flat);
        }

        fromBase64["scale"]!.GetValue<double>().ShouldBe(fromNested["scale"]!.GetValue<double>());
    }
}
