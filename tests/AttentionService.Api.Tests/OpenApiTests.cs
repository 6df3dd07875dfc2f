using System.Net;
using System.Text.Json.Nodes;

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

        paths.Select(p => p.Key).ShouldBe(["/v1/attention", "/v1/attention/self", "/v1/attention/multihead", "/v1/scorings"], ignoreOrder: true);
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
}
