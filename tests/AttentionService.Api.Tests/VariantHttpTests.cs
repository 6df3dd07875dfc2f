using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests;

/// <summary>The mask language, the extra results, the merge and the capabilities over HTTP, beyond the golden cases.</summary>
[Collection(nameof(SharedService))]
public class VariantHttpTests(AttentionServiceFactory factory, ITestOutputHelper output)
{
    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public async Task Post_ShardsThroughMerge_EqualTheUnshardedAnswer(string precision)
    {
        factory.Output = output;
        var client = factory.CreateClient();
        const string query = "[[1,0],[0,1],[1,1]]", keys = "[[1,0],[0,1],[1,1],[2,0]]", values = "[[1],[2],[3],[4]]";
        async Task<JsonObject> Attend(string k, string v, string mask) =>
            await TestData.ReadObjectAsync(await client.PostAsync("/v1/attention", TestData.Json(
                $$"""{"query":{{query}},"key":{{k}},"value":{{v}},"mask":{{mask}},"returnLogSumExp":true,"returnWeights":false,"precision":"{{precision}}"}""")));

        var first = await Attend("[[1,0],[0,1]]", "[[1],[2]]", "[[true,true],[true,false],[false,false]]");
        var second = await Attend("[[1,1],[2,0]]", "[[3],[4]]", "[[false,true],[false,false],[true,true]]");
        var whole = await Attend(keys, values, "[[true,true,false,true],[true,false,false,false],[false,false,true,true]]");
        first["logSumExp"]![2]!.GetValue<string>().ShouldBe("-Infinity");
        second["logSumExp"]![1]!.GetValue<string>().ShouldBe("-Infinity");

        using var response = await client.PostAsync("/v1/attention/merge", TestData.Json(new JsonObject
        {
            ["partials"] = new JsonArray(
                new JsonObject { ["output"] = first["output"]!.DeepClone(), ["logSumExp"] = first["logSumExp"]!.DeepClone() },
                new JsonObject { ["output"] = second["output"]!.DeepClone(), ["logSumExp"] = second["logSumExp"]!.DeepClone() }),
            ["precision"] = precision,
        }));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var merged = await TestData.ReadObjectAsync(response);
        var (atol, rtol) = TestData.Tolerance(precision);
        TestData.ShouldMatch(merged["output"], whole["output"], atol, rtol, "output");
        TestData.ShouldMatch(merged["logSumExp"], whole["logSumExp"], atol, rtol, "logSumExp");
        merged.ContainsKey("scoring").ShouldBeFalse();
    }

    [Fact]
    public async Task Post_MergeWithEveryShardEmpty_AnswersZerosAndMinusInfinity()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention/merge", TestData.Json(
            """{"partials":[{"output":[[0,0]],"logSumExp":["-Infinity"]},{"output":[[0,0]],"logSumExp":["-Infinity"]}]}"""));

        (await response.Content.ReadAsStringAsync()).ShouldBe("""{"output":[[0,0]],"logSumExp":["-Infinity"],"precision":"float32"}""");
    }

    [Fact]
    public async Task Post_WindowNotAPair_NamesTheWindow()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json(
            """{"query":[[1]],"key":[[1]],"value":[[1]],"window":[1,2,3]}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await TestData.ReadObjectAsync(response))["errors"]!["window"]![0]!.GetValue<string>().ShouldContain("[left, right]");
    }

    [Theory]
    [InlineData("/v1/attention/self", """{"input":[[1,0],[0,1],[1,1]],"window":[0,1],"alibi":true,"softcap":3,"weightsTopK":1,"diagnostics":true,"returnLogSumExp":true}""")]
    [InlineData("/v1/attention/multihead", """{"query":[[1,0],[0,1]],"key":[[1,0],[0,1],[1,1]],"value":[[1,0],[0,1],[1,1]],"numHeads":2,"qProjWeight":[[1,0],[0,1]],"kProjWeight":[[1,0],[0,1]],"vProjWeight":[[1,0],[0,1]],"outProjWeight":[[1,0],[0,1]],"alignment":"bottom_right","causal":true,"alibi":true,"weightsTopK":2,"diagnostics":true,"returnLogSumExp":true}""")]
    public async Task Post_VariantsOnEveryEndpoint_AnswerTheExtraResults(string path, string body)
    {
        using var response = await factory.CreateClient().PostAsync(path, TestData.Json(body));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var answer = await TestData.ReadObjectAsync(response);
        answer.ContainsKey("weights").ShouldBeFalse();
        answer["weightsTopK"]!["indices"].ShouldNotBeNull();
        answer["logSumExp"].ShouldNotBeNull();
        answer["diagnostics"]!["entropy"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Get_Capabilities_ListsTheMaskLanguageAndTheResults()
    {
        using var response = await factory.CreateClient().GetAsync("/v1/capabilities");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await TestData.ReadObjectAsync(response);
        body["maskLanguage"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()).ShouldBe(["causal", "mask", "bias", "alignment", "window", "softcap", "alibi"]);
        body["results"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()).ShouldBe(["returnWeights", "weightsTopK", "returnLogSumExp", "diagnostics"]);
        body["scorings"]!.AsArray().Count.ShouldBe(6);
        body["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldContain("/v1/attention/merge");
    }
}
