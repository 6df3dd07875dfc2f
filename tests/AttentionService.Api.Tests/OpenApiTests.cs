using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AttentionService.Api.Attention;
using AttentionService.Api.Merge;
using AttentionService.Api.Multihead;
using AttentionService.Api.SelfAttention;

namespace AttentionService.Api.Tests;

/// <summary>The OpenAPI document itself: paths, examples, descriptions, tensor schemas and declared responses.</summary>
[Collection(nameof(SharedService))]
public class OpenApiTests(AttentionServiceFactory factory)
{
    private async Task<JsonObject> DocumentAsync()
    {
        using var response = await factory.CreateClient().GetAsync("/swagger/v1/swagger.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await TestData.ReadObjectAsync(response);
    }

    [Fact]
    public async Task Document_HasEveryEndpoint()
    {
        var paths = (await DocumentAsync())["paths"]!.AsObject();

        paths.Select(p => p.Key).ShouldBe(["/v1/attention", "/v1/attention/self", "/v1/attention/multihead", "/v1/attention/merge", "/v1/scorings", "/v1/capabilities"], ignoreOrder: true);
    }

    [Fact]
    public async Task AttentionRequestExample_IsTheCorrectedSeedExample()
    {
        var doc = await DocumentAsync();
        var examples = doc["paths"]!["/v1/attention"]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]!.AsObject();

        var first = examples.First();
        first.Key.ShouldBe("seed-example-scaled-dot");
        JsonNode.DeepEquals(first.Value!["value"], TestData.GoldenCase("seed-example-scaled-dot")["request"]).ShouldBeTrue();
    }

    [Fact]
    public async Task SelfExample_IsTheCorrectedPearsonExample()
    {
        var doc = await DocumentAsync();
        var first = doc["paths"]!["/v1/attention/self"]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]!.AsObject().First();

        JsonNode.DeepEquals(first.Value!["value"], TestData.GoldenCase("seed-example-pearson")["request"]).ShouldBeTrue();
    }

    [Theory]
    [InlineData("AttentionRequest")]
    [InlineData("SelfAttentionRequest")]
    [InlineData("MultiheadRequest")]
    [InlineData("AttentionResponse")]
    [InlineData("ScoringParameters")]
    [InlineData("ScoringDescription")]
    [InlineData("MergeRequest")]
    [InlineData("PartialAnswerRequest")]
    [InlineData("TopKWeights")]
    [InlineData("AttentionDiagnosticsResponse")]
    [InlineData("Capabilities")]
    [InlineData("OptionDescription")]
    public async Task EveryField_HasADescription(string schema)
    {
        var properties = (await DocumentAsync())["components"]!["schemas"]![schema]!["properties"]!.AsObject();

        properties.Count.ShouldBeGreaterThan(0);
        foreach (var (name, property) in properties)
        {
            property!["description"]?.GetValue<string>().ShouldNotBeNullOrWhiteSpace($"{schema}.{name} has no description");
            property["description"].ShouldNotBeNull($"{schema}.{name} has no description");
        }
    }

    [Theory]
    [InlineData("AttentionRequest", "query", "number")]
    [InlineData("AttentionRequest", "mask", "boolean")]
    [InlineData("AttentionResponse", "weights", "number")]
    public async Task Tensors_AreArraysOfArrays(string schema, string field, string leaf)
    {
        var property = (await DocumentAsync())["components"]!["schemas"]![schema]!["properties"]![field]!;

        property["type"]!.GetValue<string>().ShouldBe("array");
        property["items"]!["type"]!.GetValue<string>().ShouldBe("array");
        property["items"]!["items"]!["type"]!.GetValue<string>().ShouldBe(leaf);
    }

    [Theory]
    [InlineData("/v1/attention")]
    [InlineData("/v1/attention/self")]
    [InlineData("/v1/attention/multihead")]
    [InlineData("/v1/attention/merge")]
    public async Task Responses_AreDeclaredWithSchemas(string path)
    {
        var responses = (await DocumentAsync())["paths"]![path]!["post"]!["responses"]!.AsObject();

        responses.Select(r => r.Key).ShouldBe(["200", "400", "413", "415", "422", "503", "504"], ignoreOrder: true);
        responses["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>().ShouldEndWith("/AttentionResponse");
        responses["422"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>().ShouldEndWith("/HttpValidationProblemDetails");
        responses["400"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>().ShouldEndWith("/ProblemDetails");
    }

    [Fact]
    public async Task ScoringEnum_ListsWireNamesWithMeanings()
    {
        var scoring = (await DocumentAsync())["components"]!["schemas"]!["Scoring"]!;

        scoring["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(["scaled_dot", "dot", "cosine", "pearson", "general", "additive"]);
        scoring["description"]!.GetValue<string>().ShouldContain("`pearson`");
    }

    [Fact]
    public async Task SwaggerUi_IsServed()
    {
        using var response = await factory.CreateClient().GetAsync("/swagger/index.html");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("swagger-ui");
    }

    [Theory]
    [InlineData("/v1/attention")]
    [InlineData("/v1/attention/self")]
    [InlineData("/v1/attention/multihead")]
    public async Task EveryRefusalStatus_HasANamedExample(string path)
    {
        var responses = (await DocumentAsync())["paths"]![path]!["post"]!["responses"]!;

        foreach (var status in new[] { "400", "413", "415", "422" })
        {
            var examples = responses[status]!["content"]!["application/problem+json"]!["examples"]!.AsObject();
            examples.Count.ShouldBeGreaterThan(0, $"{path} {status} has no example");
            foreach (var (name, example) in examples)
            {
                example!["summary"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace($"{path} {status} {name}");
                example["value"]!["status"]!.GetValue<int>().ShouldBe(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), $"{path} {status} {name}");
            }
        }
    }

    [Fact]
    public async Task SeedExampleAsWritten_IsDocumentedAs422NamingBothDimensions()
    {
        var example = (await ProblemExampleAsync("/v1/attention", "422", "seed-example-as-written"))["value"]!;

        var detail = example["detail"]!.GetValue<string>();
        detail.ShouldContain("key rows have 2 numbers but query rows have 3");
        detail.ShouldContain("(query [1, 3], key [3, 2])");
        example["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["value", "key"], ignoreOrder: true);
    }

    [Fact]
    public async Task RaggedMatrix_IsDocumentedAs422NamingTheRow()
    {
        var example = await ProblemExampleAsync("/v1/attention", "422", "ragged-matrix");

        example["value"]!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["query[1]"]);
        example["description"]!.GetValue<string>().ShouldContain("""{"query":[[1,2],[3]]""");
    }

    [Fact]
    public async Task StringNumber_IsDocumentedAs400()
    {
        var example = await ProblemExampleAsync("/v1/attention", "400", "string-number");

        example["value"]!["detail"]!.GetValue<string>().ShouldBe("query: expected numbers, found a string at [0][0]");
    }

    public static IEnumerable<object[]> DocumentedRefusals() =>
        new[] { ("/v1/attention", AttentionRefusals.All), ("/v1/attention/self", SelfAttentionRefusals.All), ("/v1/attention/multihead", MultiheadRefusals.All), ("/v1/attention/merge", MergeRefusals.All) }
            .SelectMany(e => e.Item2.Items.Select(x => new object[] { e.Item1, x.Status, x.Name }));

    /// <summary>The documented answers do not drift from the service: each request is replayed and answered word for word.</summary>
    [Theory]
    [MemberData(nameof(DocumentedRefusals))]
    public async Task DocumentedRefusal_IsWhatTheServiceAnswers(string path, int status, string name)
    {
        var refusals = path switch { "/v1/attention" => AttentionRefusals.All, "/v1/attention/self" => SelfAttentionRefusals.All, "/v1/attention/merge" => MergeRefusals.All, _ => MultiheadRefusals.All };
        var refusal = refusals.Items.Single(r => r.Status == status && r.Name == name);
        var documented = (await ProblemExampleAsync(path, status.ToString(System.Globalization.CultureInfo.InvariantCulture), name))["value"]!.AsObject();
        using var content = refusal.RequestBody is null
            ? new ByteArrayContent(new byte[70_000_000]) // the size the 413 example names
            : new StringContent(refusal.RequestBody);
        content.Headers.ContentType = new MediaTypeHeaderValue(refusal.RequestContentType);

        using var response = await factory.CreateClient().PostAsync(path, content);

        ((int)response.StatusCode).ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var answer = await TestData.ReadObjectAsync(response);
        answer["traceId"]!.GetValue<string>().ShouldMatch("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$");
        answer.Remove("traceId");
        documented.Remove("traceId");
        answer.ToJsonString().ShouldBe(documented.ToJsonString());
    }

    public static IEnumerable<object[]> DocumentedRequests() =>
        new[] { ("/v1/attention", AttentionExamples.All), ("/v1/attention/self", SelfAttentionExamples.All), ("/v1/attention/multihead", MultiheadExamples.All), ("/v1/attention/merge", MergeExamples.All) }
            .SelectMany(e => e.Item2.Items.Select(x => new object[] { e.Item1, x.Name }));

    /// <summary>Every documented request example (one per feature) is computable: it answers 200.</summary>
    [Theory]
    [MemberData(nameof(DocumentedRequests))]
    public async Task DocumentedRequest_Answers200(string path, string name)
    {
        var example = (await DocumentAsync())["paths"]![path]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]![name]!["value"]!;

        using var response = await factory.CreateClient().PostAsync(path, TestData.Json(example.DeepClone()));

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonObject> ProblemExampleAsync(string path, string status, string name) =>
        (await DocumentAsync())["paths"]![path]!["post"]!["responses"]![status]!["content"]!["application/problem+json"]!["examples"]![name]!.AsObject();
}
