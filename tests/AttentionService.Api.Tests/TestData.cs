using System.Text.Json;
using System.Text.Json.Nodes;

namespace AttentionService.Api.Tests;

/// <summary>The golden and error cases copied from the spec's test data into this project.</summary>
public static class TestData
{
    private static readonly Lazy<JsonObject> Golden = new(() => Load("golden.json"));
    private static readonly Lazy<JsonObject> Errors = new(() => Load("errors.json"));

    public static IEnumerable<object[]> GoldenCases() => Golden.Value["cases"]!.AsArray().Select(c => new object[] { c!["name"]!.GetValue<string>() });

    public static IEnumerable<object[]> ErrorCases() => Errors.Value["errors"]!.AsArray().Select(c => new object[] { c!["name"]!.GetValue<string>() });

    public static JsonObject GoldenCase(string name) => Find(Golden.Value["cases"]!, name);

    public static JsonObject ErrorCase(string name) => Find(Errors.Value["errors"]!, name);

    public static (double Atol, double Rtol) Tolerance(string precision)
    {
        var t = Golden.Value["tolerance"]![precision]!;
        return (t["atol"]!.GetValue<double>(), t["rtol"]!.GetValue<double>());
    }

    private static JsonObject Find(JsonNode list, string name) =>
        list.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!.AsObject();

    private static JsonObject Load(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file)))!.AsObject();

    /// <summary>Asserts two nested number arrays have the same shape and agree within the tolerance.</summary>
    public static void ShouldMatch(JsonNode? actual, JsonNode? expected, double atol, double rtol, string path)
    {
        if (expected is JsonArray e)
        {
            var a = actual.ShouldBeOfType<JsonArray>($"{path} should be an array");
            a.Count.ShouldBe(e.Count, $"{path} length");
            for (var i = 0; i < e.Count; i++)
            {
                ShouldMatch(a[i], e[i], atol, rtol, $"{path}[{i}]");
            }

            return;
        }

        if (expected is JsonValue v && v.TryGetValue<string>(out var text))
        {
            actual!.GetValue<string>().ShouldBe(text, path); // "-Infinity": a log-sum-exp with no key
            return;
        }

        var x = expected!.GetValue<double>();
        var r = actual!.GetValue<double>();
        if (!(Math.Abs(r - x) <= atol + (rtol * Math.Abs(x))))
        {
            throw new ShouldAssertException($"{path} = {r:R}, expected {x:R} (tolerance {atol} + {rtol}·|x|)");
        }
    }

    public static StringContent Json(JsonNode node) => new(node.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    public static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    public static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
