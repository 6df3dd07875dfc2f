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

        paths.Select(p => p.Key).ShouldBe(
        [
            "/v1/attention", "/v1/attention/self", "/v1/attention/multihead", "/v1/attention/merge", "/v1/scorings", "/v1/capabilities",
            "/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/{model}", "/v2/models/{model}/ready", "/v2/models/{model}/infer",
            "/v2/models/{model}/versions/{version}", "/v2/models/{model}/versions/{version}/ready", "/v2/models/{model}/versions/{version}/infer",
        ], ignoreOrder: true);
    }

    [Fact]
    public async Task V2Infer_DocumentsTheJsonForm_AndTheBinaryFormInWords()
    {
        var doc = await DocumentAsync();
        var infer = doc["paths"]!["/v2/models/{model}/infer"]!["post"]!;

        infer["description"]!.GetValue<string>().ShouldContain("Inference-Header-Content-Length");
        infer["description"]!.GetValue<string>().ShouldContain("binary_data_size");
        var json = infer["requestBody"]!["content"]!["application/json"]!;
        json["schema"]!["$ref"]!.GetValue<string>().ShouldEndWith("/InferenceRequest");
        json["examples"]!.AsObject().Count.ShouldBe(3);
        infer["requestBody"]!["content"]!["application/octet-stream"].ShouldNotBeNull();
        infer["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>().ShouldEndWith("/InferenceResponse");
        var schemas = doc["components"]!["schemas"]!;
        schemas["InferenceRequest"]!["properties"]!.AsObject().Select(p => p.Key).ShouldBe(["id", "model_name", "model_version", "parameters", "inputs", "outputs"]);
        schemas["RequestInput"]!["properties"]!["data"]!["type"]!.GetValue<string>().ShouldBe("array");
        foreach (var schema in new[] { "InferenceRequest", "RequestInput", "RequestOutput", "InferenceResponse", "ResponseOutput" })
        {
            foreach (var (name, property) in schemas[schema]!["properties"]!.AsObject())
            {
                property!["description"].ShouldNotBeNull($"{schema}.{name} has no description");
            }
        }
    }

    [Fact]
    public async Task V2InferExamples_AreAnswered200()
    {
        var examples = (await DocumentAsync())["paths"]!["/v2/models/{model}/infer"]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]!.AsObject();

        foreach (var (name, example) in examples)
        {
            var model = example!["summary"]!.GetValue<string>().Split('/')[3];
            using var response = await factory.CreateClient().PostAsync($"/v2/models/{model}/infer", TestData.Json(example["value"]!.ToJsonString()));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, name);
        }
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
    [InlineData("AttentionRequest", "query", "Tensor")]
    [InlineData("AttentionRequest", "mask", "Mask")]
    [InlineData("AttentionResponse", "weights", "Tensor")]
    [InlineData("ScoringParameters", "w", "Matrix")]
    [InlineData("ScoringParameters", "v", "Vector")]
    [InlineData("MultiheadRequest", "qProjWeight", "Matrix")]
    [InlineData("MultiheadRequest", "outProjBias", "Vector")]
    public async Task TensorFields_ReferToTheirShape(string schema, string field, string component)
    {
        var property = (await DocumentAsync())["components"]!["schemas"]![schema]!["properties"]![field]!;

        property["allOf"]![0]!["$ref"]!.GetValue<string>().ShouldBe("#/components/schemas/" + component);
        property["nullable"].ShouldBeNull();
    }

    [Theory]
    [InlineData("Tensor", 2, 3, 4)]
    [InlineData("Mask", 2, 3, 4)]
    [InlineData("Matrix", 2)]
    [InlineData("Vector", 1)]
    public async Task Tensors_AreNestedArraysOrABinaryTensorObject(string component, params int[] depths)
    {
        var alternatives = (await DocumentAsync())["components"]!["schemas"]![component]!["oneOf"]!.AsArray();

        alternatives.Count.ShouldBe(depths.Length + 1);
        for (var i = 0; i < depths.Length; i++)
        {
            var level = alternatives[i]!;
            for (var d = 0; d < depths[i]; d++)
            {
                level["type"]!.GetValue<string>().ShouldBe("array");
                level["minItems"]!.GetValue<int>().ShouldBe(1);
                level = level["items"]!;
            }

            level["type"]!.GetValue<string>().ShouldBe(component == "Mask" ? "boolean" : "number");
        }

        alternatives[^1]!["$ref"]!.GetValue<string>().ShouldBe(component == "Mask" ? "#/components/schemas/BinaryMask" : "#/components/schemas/BinaryTensor");
    }

    [Fact]
    public async Task BinaryTensor_IsDtypeShapeAndBase64Data()
    {
        var binary = (await DocumentAsync())["components"]!["schemas"]!["BinaryTensor"]!;

        binary["required"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe(["dtype", "shape", "data"], ignoreOrder: true);
        binary["properties"]!["dtype"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(["float32", "float64"]);
        binary["properties"]!["data"]!["format"]!.GetValue<string>().ShouldBe("byte");
        binary["example"]!["data"]!.GetValue<string>().ShouldBe("AACAPwAAAEAAAEBAAACAQAAAoEAAAMBA");
    }

    [Theory]
    [InlineData("AttentionRequest", "returnWeights", true)]
    [InlineData("AttentionRequest", "causal", false)]
    [InlineData("AttentionRequest", "scoring", "scaled_dot")]
    [InlineData("AttentionRequest", "precision", "float32")]
    [InlineData("SelfAttentionRequest", "scoring", "pearson")]
    [InlineData("MultiheadRequest", "averageWeights", true)]
    public async Task Defaults_AreStated(string schema, string field, object expected)
    {
        var property = (await DocumentAsync())["components"]!["schemas"]![schema]!["properties"]![field]!;

        property["default"]!.ToJsonString().ShouldBe(JsonValue.Create(expected)!.ToJsonString());
    }

    [Theory]
    [InlineData("AttentionRequest")]
    [InlineData("SelfAttentionRequest")]
    [InlineData("MultiheadRequest")]
    [InlineData("ScoringParameters")]
    [InlineData("AttentionResponse")]
    public async Task NoField_IsNullable(string schema)
    {
        var json = (await DocumentAsync())["components"]!["schemas"]![schema]!.ToJsonString();

        json.ShouldNotContain("\"nullable\"");
    }

    [Fact]
    public async Task WithoutKeys_OperationsStateNoSecurity()
    {
        var doc = await DocumentAsync();

        doc["components"]!["securitySchemes"].ShouldBeNull();
        doc["paths"]!["/v1/attention"]!["post"]!["security"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task WithKeys_EveryOperationNeedsTheApiKeyAndDocuments401And429()
    {
        using var keyed = new KeyedServiceFactory();
        using var response = await keyed.CreateClient().GetAsync("/swagger/v1/swagger.json");
        var doc = await TestData.ReadObjectAsync(response);

        var scheme = doc["components"]!["securitySchemes"]!["ApiKey"]!;
        (scheme["type"]!.GetValue<string>(), scheme["in"]!.GetValue<string>(), scheme["name"]!.GetValue<string>()).ShouldBe(("apiKey", "header", "X-API-Key"));
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                // Every /v1 operation and the V2 models need the key; the V2 server metadata and health do not.
                var needsKey = path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/v2/models/", StringComparison.Ordinal);
                var security = operation!["security"]!.AsArray();
                if (needsKey)
                {
                    security[0]!["ApiKey"].ShouldNotBeNull($"{method} {path}");
                    operation["responses"]!["401"].ShouldNotBeNull($"{method} {path}");
                    operation["responses"]!["429"].ShouldNotBeNull($"{method} {path}");
                }
                else
                {
                    security.ShouldBeEmpty($"{method} {path}");
                }
            }
        }
    }

    /// <summary>The service with one API key configured (the key is "test-key").</summary>
    internal sealed class KeyedServiceFactory : AttentionServiceFactory
    {
        public static readonly string KeyHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("test-key"u8));

        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Attention:Auth:ApiKeyHashes:0", KeyHash)];
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
