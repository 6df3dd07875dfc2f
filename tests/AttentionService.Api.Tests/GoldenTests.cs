using System.Net;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests;

/// <summary>Every golden case of the spec through HTTP, against the float64 reference's answers.</summary>
[Collection(nameof(SharedService))]
public class GoldenTests(AttentionServiceFactory factory, ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestData.GoldenCases), MemberType = typeof(TestData))]
    public async Task Post_GoldenCase_MatchesReference(string name)
    {
        factory.Output = output;
        var c = TestData.GoldenCase(name);
        var request = c["request"]!.AsObject();
        var precision = request["precision"]?.GetValue<string>() ?? "float32";
        var (atol, rtol) = TestData.Tolerance(precision);

        using var response = await factory.CreateClient().PostAsync(c["endpoint"]!.GetValue<string>(), TestData.Json(request.DeepClone()));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        var body = await TestData.ReadObjectAsync(response);
        var expected = c["expected"]!.AsObject();
        TestData.ShouldMatch(body["output"], expected["output"], atol, rtol, "output");
        if (expected["weights"] is { } weights)
        {
            TestData.ShouldMatch(body["weights"], weights, atol, rtol, "weights");
        }
        else
        {
            body.ContainsKey("weights").ShouldBeFalse();
        }

        if (expected["logSumExp"] is { } lse)
        {
            TestData.ShouldMatch(body["logSumExp"], lse, atol, rtol, "logSumExp");
        }

        if (expected["weightsTopK"] is { } topK)
        {
            body["weightsTopK"]!["indices"]!.ToJsonString().ShouldBe(topK["indices"]!.ToJsonString());
            TestData.ShouldMatch(body["weightsTopK"]!["values"], topK["values"], atol, rtol, "weightsTopK.values");
        }

        if (expected["diagnostics"] is { } diagnostics)
        {
            var actual = body["diagnostics"]!;
            actual["maskedRows"]!.GetValue<long>().ShouldBe(diagnostics["maskedRows"]!.GetValue<long>());
            TestData.ShouldMatch(actual["maxAbsScore"], diagnostics["maxAbsScore"], atol, rtol, "diagnostics.maxAbsScore");
            TestData.ShouldMatch(actual["entropy"], diagnostics["entropy"], atol, rtol, "diagnostics.entropy");
            actual["kernelPath"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        }

        body["precision"]!.GetValue<string>().ShouldBe(precision);
    }

    [Fact]
    public async Task Post_SeedExample_ReturnsCorrectedWeights()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json("""{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}"""));

        var body = await TestData.ReadObjectAsync(response);
        body["weights"]![0]![0]!.GetValue<double>().ShouldBe(0.030351, 1e-6);
        body["weights"]![0]![1]!.GetValue<double>().ShouldBe(0.969649, 1e-6);
        body["scoring"]!.GetValue<string>().ShouldBe("scaled_dot");
        body["scale"]!.GetValue<double>().ShouldBe(1 / Math.Sqrt(3), 1e-15);
    }

    [Fact]
    public async Task Post_BodyWithByteOrderMark_IsRead()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes("""{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}""")).ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");

        using var response = await factory.CreateClient().PostAsync("/v1/attention", content);

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
    }

    [Fact]
    public async Task Post_Float64_WritesRoundTripPrecision()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json("""{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]],"precision":"float64"}"""));

        var body = await TestData.ReadObjectAsync(response);
        body["weights"]![0]![0]!.GetValue<double>().ShouldBe(0.030351090329424315, 1e-16);
    }

    [Fact]
    public async Task Get_Scorings_ListsAllSixWithDefaults()
    {
        using var response = await factory.CreateClient().GetAsync("/v1/scorings");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var list = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        list.Select(s => s!["name"]!.GetValue<string>()).ShouldBe(["scaled_dot", "dot", "cosine", "pearson", "general", "additive"]);
        list[0]!["defaultScale"]!.GetValue<string>().ShouldBe("1/sqrt(dq)");
        list[5]!["parameters"]!.AsArray().Count.ShouldBe(4);
    }
}
