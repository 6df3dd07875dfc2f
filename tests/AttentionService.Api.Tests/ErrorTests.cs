using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests;

/// <summary>Every refusal of the spec, and the other ways a request can be wrong: always problem+json, never a 5xx.</summary>
[Collection(nameof(SharedService))]
public class ErrorTests(AttentionServiceFactory factory, ITestOutputHelper output)
{
    private static async Task<JsonObject> ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var body = JsonNode.Parse(text)!.AsObject();
        body["status"]!.GetValue<int>().ShouldBe((int)status);
        body["type"]!.GetValue<string>().ShouldStartWith("https://");
        body["title"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        body["traceId"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        text.ShouldNotContain("   at "); // no stack trace
        return body;
    }

    [Theory]
    [MemberData(nameof(TestData.ErrorCases), MemberType = typeof(TestData))]
    public async Task Post_ErrorCase_AnswersItsStatusAsProblemJson(string name)
    {
        factory.Output = output;
        var c = TestData.ErrorCase(name);
        var content = c["rawBody"] is { } raw ? TestData.Json(raw.GetValue<string>()) : TestData.Json(c["request"]!.DeepClone());

        using var response = await factory.CreateClient().PostAsync(c["endpoint"]!.GetValue<string>(), content);

        var body = await ShouldBeProblemAsync(response, (HttpStatusCode)c["status"]!.GetValue<int>());
        body["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        if (c["status"]!.GetValue<int>() == 422)
        {
            body["errors"]!.AsObject().Count.ShouldBeGreaterThan(0);
        }
    }

    [Fact]
    public async Task Post_SeedExampleAsWritten_Is422NamingBothDimensions()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json(TestData.ErrorCase("seed-example-as-written")["request"]!.DeepClone()));

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var detail = body["detail"]!.GetValue<string>();
        detail.ShouldContain("3");
        detail.ShouldContain("2");
        body["errors"]!["key"]!.AsArray().Single()!.GetValue<string>().ShouldBe("rows have 2 numbers but query rows have 3; scaled_dot compares rows of equal length (query [1, 3], key [3, 2])");
    }

    [Fact]
    public async Task Post_RaggedRows_NamesTheRowAndBothLengths()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json("""{"query":[[1,2],[3]],"key":[[1,2]],"value":[[1]]}"""));

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        body["errors"]!["query[1]"]!.AsArray().Single()!.GetValue<string>().ShouldBe("has 1 elements but the arrays before it at this depth have 2; tensors must be rectangular");
    }

    [Theory]
    [InlineData("""{"query":[[null]],"key":[[1]],"value":[[1]]}""", "query")]
    [InlineData("""{"query":null,"key":[[1]],"value":[[1]]}""", "query")]
    [InlineData("""{"query":[[true]],"key":[[1]],"value":[[1]]}""", "query")]
    [InlineData("""{"query":[[1]],"key":[[1]],"value":[[1]],"scale":"0.5"}""", "scale")]
    [InlineData("""{"query":[[1]],"key":[[1]],"value":[[1]],"causal":1}""", "causal")]
    [InlineData("""{"query":[[[[[1]]]]],"key":[[1]],"value":[[1]]}""", "query")]
    [InlineData("""{"query":[[1]],"key":[[1]],"value":[[1]],"returnWeight":false}""", "returnWeight")]
    [InlineData("""{"query":[[1]],"key":[[1]],"value":[[1]],"mask":[[1]]}""", "mask")]
    [InlineData("""{"query":[[1]],"key":[[1]],"value":[[1]],"precision":"float16"}""", "precision")]
    [InlineData("""[1,2]""", "body")]
    [InlineData("""null""", "body")]
    public async Task Post_WrongJsonType_Is400NamingTheField(string json, string field)
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json(json));

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest);
        body["detail"]!.GetValue<string>().ShouldStartWith(field);
    }

    [Theory]
    [InlineData("scoring", "\"dot,cosine\"")]
    [InlineData("scoring", "\"cosine, general\"")]
    [InlineData("scoring", "\"ScaledDot\"")]
    [InlineData("scoring", "\"SCALED_DOT\"")]
    [InlineData("scoring", "1")]
    [InlineData("precision", "\"Float64\"")]
    [InlineData("precision", "\"float32, float64\"")]
    [InlineData("precision", "0")]
    public async Task Post_EnumNotSpelledExactly_Is400NamingTheAllowedValues(string field, string value)
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json($$"""{"query":[[1]],"key":[[1]],"value":[[1]],"{{field}}":{{value}}}"""));

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest);
        var detail = body["detail"]!.GetValue<string>();
        detail.ShouldStartWith(field);
        detail.ShouldContain(field == "scoring" ? "\"scaled_dot\", \"dot\", \"cosine\", \"pearson\", \"general\", \"additive\"" : "\"float32\", \"float64\"");
    }

    [Theory]
    [InlineData("""{"query":[[1]],"key":[[1]],"value":[[1]],"query":[[2]]}""", "query")]
    [InlineData("""{"query":[[1]],"key":[[1]],"value":[[1]],"causal":true,"causal":false}""", "causal")]
    [InlineData("""{"Query":[[1]],"key":[[1]],"value":[[1]]}""", "Query")]
    [InlineData("""{"query":[[1]],"key":[[1]],"value":[[1]],"ReturnWeights":false}""", "ReturnWeights")]
    public async Task Post_DuplicatedOrDifferentlyCasedField_Is400(string json, string field)
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json(json));

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest);
        body["detail"]!.GetValue<string>().ShouldContain(field);
    }

    [Theory]
    [InlineData("""{"query":[[1e39]],"key":[[1]],"value":[[1]]}""", "query[0][0]")]
    [InlineData("""{"query":[[1]],"key":[[1],[2e400]],"value":[[1],[1]],"precision":"float64"}""", "key[1][0]")]
    [InlineData("""{"query":[[1,2]],"key":[[1,2]],"value":[[1]],"mask":[[true,false]]}""", "mask")]
    [InlineData("""{"query":[[1,2]],"key":[[1,2]],"value":[[1]],"bias":[[1],[2]]}""", "bias")]
    [InlineData("""{"query":[[[1,2]]],"key":[[1,2]],"value":[[1]]}""", "key")]
    [InlineData("""{"query":[[1,2]],"key":[[1,2]],"value":[[1]],"scale":0}""", "scale")]
    [InlineData("""{"query":[[1,2]],"key":[[1,2]],"value":[[1]],"scoring":"additive","parameters":{"wq":[[1,2]],"wk":[[1,2]]}}""", "parameters.v")]
    [InlineData("""{"query":[[[1]],[[2]]],"key":[[[1]]],"value":[[[1]]]}""", "key")]
    [InlineData("""{"query":[1,2],"key":[[1,2]],"value":[[1]]}""", "query")]
    [InlineData("""{"query":[[1,2],3],"key":[[1,2]],"value":[[1]]}""", "query[1]")]
    public async Task Post_UncomputableProblem_Is422WithFieldError(string json, string field)
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json(json));

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        body["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(body.ToJsonString());
    }

    [Fact]
    public async Task Post_HugeFloat32Scores_Is422SuggestingFloat64()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json("""{"query":[[3e19,3e19]],"key":[[3e19,3e19]],"value":[[1]]}"""));

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        body["detail"]!.GetValue<string>().ShouldContain("float64");
    }

    [Fact]
    public async Task Post_SelfWithGeneral_Is422()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention/self", TestData.Json("""{"input":[[1,2]],"scoring":"general"}"""));

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        body["errors"]!.AsObject().ContainsKey("scoring").ShouldBeTrue();
    }

    [Fact]
    public async Task Post_WrongContentType_Is415()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", new StringContent("{}", System.Text.Encoding.UTF8, "text/plain"));

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        body["detail"]!.GetValue<string>().ShouldBe("send the body as application/json; it was text/plain; charset=utf-8");
    }

    [Fact]
    public async Task UnknownPath_Is404ProblemJson_WithDetail()
    {
        using var response = await factory.CreateClient().GetAsync("/v1/nothing-here");

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.NotFound);
        body["detail"]!.GetValue<string>().ShouldBe("nothing is served at /v1/nothing-here; the endpoints are listed in /swagger/v1/swagger.json");
    }

    [Fact]
    public async Task WrongMethod_Is405ProblemJson_WithDetail()
    {
        using var response = await factory.CreateClient().GetAsync("/v1/attention");

        var body = await ShouldBeProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        body["detail"]!.GetValue<string>().ShouldStartWith("/v1/attention does not answer GET");
    }
}
