using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests;

/// <summary>
/// Thousands of requests mutated from the golden cases, on real Kestrel: the service must never answer 5xx, must
/// answer every refusal as problem+json, and must be healthy afterwards. Seeded and bounded in count and time.
/// </summary>
[Collection(nameof(Exclusive))]
public class FuzzTests(ITestOutputHelper output)
{
    private const int Requests = 5000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(50);

    [Fact]
    public async Task MutatedGoldenRequests_NeverAnswer5xx_AndRefuseWithProblemJson()
    {
        await using var factory = new KestrelServiceFactory(KestrelServiceFactory.Setting("Attention:Limits:MaxRequestBodyBytes", 1 << 20));
        using var client = factory.CreateKestrelClient(TimeSpan.FromSeconds(20));
        var rng = new Random(20261121);
        var cases = TestData.GoldenCases().Select(c => TestData.GoldenCase((string)c[0])).ToArray();
        var statuses = new Dictionary<int, int>();
        var clock = Stopwatch.StartNew();
        var sent = 0;

        for (; sent < Requests && clock.Elapsed < Budget; sent++)
        {
            var golden = cases[rng.Next(cases.Length)];
            var (body, contentType, mutation) = Mutate(rng, golden["request"]!.AsObject());
            using var content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            using var response = await client.PostAsync(golden["endpoint"]!.GetValue<string>(), content);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var text = await response.Content.ReadAsStringAsync();
            if (status >= 500)
            {
                var sentText = Encoding.UTF8.GetString(body);
                throw new ShouldAssertException($"{mutation}: {sentText[..Math.Min(sentText.Length, 300)]} -> {status} {text}");
            }

            if (status >= 400)
            {
                response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"{mutation} -> {status} {text}");
                JsonNode.Parse(text)!["status"]!.GetValue<int>().ShouldBe(status);
            }
        }

        output.WriteLine($"{sent} requests in {clock.Elapsed.TotalSeconds:0.0} s: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        sent.ShouldBeGreaterThanOrEqualTo(2000); // the floor, should a slow machine hit the time budget first
        statuses.Keys.ShouldContain(200);
        statuses.Keys.ShouldContain(400);
        statuses.Keys.ShouldContain(422);
        using var ready = await client.GetAsync("/health/ready");
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static (byte[] Body, string? ContentType, string Mutation) Mutate(Random rng, JsonObject request)
    {
        var json = request.DeepClone().AsObject();
        var kind = rng.Next(14);
        switch (kind)
        {
            case 0:
                return (Encoding.UTF8.GetBytes(json.ToJsonString()), "application/json", "unchanged");
            case 1:
                json.Remove(Pick(rng, json));
                return Json(json, "remove a field");
            case 2:
                var name = Pick(rng, json);
                var value = json[name];
                json.Remove(name);
                json[name + "x"] = value?.DeepClone();
                return Json(json, "rename a field");
            case 3:
                json[Pick(rng, json)] = Retype(rng, json[Pick(rng, json)]);
                return Json(json, "retype a field");
            case 4:
                RaggedRow(rng, json);
                return Json(json, "ragged row");
            case 5:
                SetRandomNumber(rng, json, rng.Next(4) switch { 0 => 1e39, 1 => 1e300, 2 => -3e38, _ => 1e-320 });
                return Json(json, "extreme number");
            case 6:
                var field = Pick(rng, json);
                JsonNode? nested = json[field]?.DeepClone();
                for (var i = 0; i < 2 + rng.Next(6); i++)
                {
                    nested = new JsonArray(nested);
                }

                json[field] = nested;
                return Json(json, "deep nesting");
            case 7:
                var bytes = Encoding.UTF8.GetBytes(json.ToJsonString());
                return (bytes[..rng.Next(bytes.Length)], "application/json", "truncated");
            case 8:
                var random = new byte[rng.Next(1, 512)];
                rng.NextBytes(random);
                return (random, "application/json", "random bytes");
            case 9:
                return (Encoding.UTF8.GetBytes(json.ToJsonString()), rng.Next(3) switch { 0 => "text/plain", 1 => "application/xml", _ => null }, "content type");
            case 10:
                SetRandomNumber(rng, json, rng.NextDouble() * 1e6);
                json["scale"] = rng.Next(3) switch { 0 => 0, 1 => -1, _ => 1e308 };
                return Json(json, "scale");
            case 11:
                json["returnWeights"] = rng.Next(2) == 0;
                json["precision"] = rng.Next(3) switch { 0 => "float64", 1 => "float16", _ => "float32" };
                json["causal"] = rng.Next(2) == 0;
                return Json(json, "flags");
            case 12:
                var text = json.ToJsonString();
                var at = rng.Next(text.Length);
                return (Encoding.UTF8.GetBytes(text[..at] + (char)rng.Next(32, 127) + text[at..]), "application/json", "inserted character");
            default:
                json[Pick(rng, json)] = rng.Next(4) switch { 0 => null, 1 => new JsonArray(), 2 => new JsonArray(new JsonArray()), _ => new JsonObject() };
                return Json(json, "emptied field");
        }
    }

    private static (byte[], string?, string) Json(JsonObject json, string mutation) => (Encoding.UTF8.GetBytes(json.ToJsonString()), "application/json", mutation);

    private static string Pick(Random rng, JsonObject json) => json.Select(p => p.Key).ElementAt(rng.Next(json.Count));

    private static JsonNode? Retype(Random rng, JsonNode? node) => rng.Next(5) switch
    {
        0 => JsonValue.Create("NaN"),
        1 => JsonValue.Create(true),
        2 => JsonValue.Create(42),
        3 => new JsonObject { ["a"] = node?.DeepClone() },
        _ => JsonValue.Create(node?.ToJsonString()),
    };

    private static void RaggedRow(Random rng, JsonObject json)
    {
        var tensors = json.Where(p => p.Value is JsonArray a && a.Count > 1).Select(p => (JsonArray)p.Value!).ToList();
        if (tensors.Count == 0)
        {
            return;
        }

        var array = tensors[rng.Next(tensors.Count)];
        while (array[0] is JsonArray inner && inner.Count > 0 && inner[0] is JsonArray)
        {
            array = inner;
        }

        if (array[rng.Next(array.Count)] is JsonArray row && row.Count > 0)
        {
            row.RemoveAt(rng.Next(row.Count));
        }
    }

    private static void SetRandomNumber(Random rng, JsonNode node, double value)
    {
        var numbers = new List<(JsonArray Parent, int Index)>();
        void Walk(JsonNode? n)
        {
            if (n is JsonArray a)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                    {
                        numbers.Add((a, i));
                    }
                    else
                    {
                        Walk(a[i]);
                    }
                }
            }
            else if (n is JsonObject o)
            {
                foreach (var (_, child) in o)
                {
                    Walk(child);
                }
            }
        }

        Walk(node);
        if (numbers.Count > 0)
        {
            var (parent, index) = numbers[rng.Next(numbers.Count)];
            parent[index] = value;
        }
    }
}
