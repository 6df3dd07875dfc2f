using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace AttentionService.Api.Tests.V2;

/// <summary>Refusals over v2: v1's statuses, problem+json with the V2 error member, each naming the input, parameter or header at fault.</summary>
[Collection(nameof(SharedService))]
public class V2ErrorTests(AttentionServiceFactory factory)
{
    private static readonly Tensor Query = Tensor.Fp32("query", [1, 3], [1, 2, 3]);
    private static readonly Tensor Key = Tensor.Fp32("key", [2, 3], [4, 6, 8, 5, 7, 9]);
    private static readonly Tensor Value = Tensor.Fp32("value", [2, 2], [1, 0, 0, 1]);

    private async Task<JsonObject> ProblemAsync(string model, HttpContent content, HttpStatusCode status, string field)
    {
        using var response = await factory.CreateClient().PostAsync($"/v2/models/{model}/infer", content);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonNode.Parse(text)!.AsObject();
        problem["error"]!.GetValue<string>().ShouldBe(problem["detail"]!.GetValue<string>());
        problem["errors"]!.AsObject().Select(e => e.Key).ShouldContain(field, text);
        return problem;
    }

    [Fact]
    public async Task UnknownParameter_Is400NamingIt_WithTheWholeProblem()
    {
        var problem = await ProblemAsync("attention", V2Client.Request([Query, Key, Value], new JsonObject { ["temperature"] = 2 }), HttpStatusCode.BadRequest, "temperature");

        problem.Remove("traceId").ShouldBeTrue();
        const string message = "is not a parameter of attention; it takes scoring, scale, causal, binary_data_output";
        JsonNode.DeepEquals(problem, new JsonObject
        {
            ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            ["title"] = "The request does not follow the inference protocol",
            ["status"] = 400,
            ["detail"] = "temperature " + message,
            ["errors"] = new JsonObject { ["temperature"] = new JsonArray(message) },
            ["error"] = "temperature " + message,
        }).ShouldBeTrue(problem.ToJsonString());
    }

    [Theory]
    [InlineData("attention", "causal", "\"yes\"")]
    [InlineData("attention", "scale", "true")]
    [InlineData("attention", "scoring", "\"softmax\"")]
    [InlineData("multihead_attention", "num_heads", "1.5")]
    [InlineData("multihead_attention", "average_weights", "1")]
    public async Task WronglyTypedParameter_Is400NamingIt(string model, string name, string value)
    {
        var inputs = model == "attention" ? new[] { Query, Key, Value } : MultiheadInputs();

        await ProblemAsync(model, V2Client.Request(inputs, new JsonObject { [name] = JsonNode.Parse(value) }), HttpStatusCode.BadRequest, name);
    }

    [Fact]
    public async Task MissingNumHeads_Is400NamingIt() =>
        await ProblemAsync("multihead_attention", V2Client.Request(MultiheadInputs()), HttpStatusCode.BadRequest, "num_heads");

    [Fact]
    public async Task UnknownInput_MissingInput_AndWrongDatatype_Are400NamingEach()
    {
        var inputs = new[] { Query with { Datatype = "INT32", Data = new[] { 1, 2, 3 } }, Key, Tensor.Fp32("values", [2, 2], [1, 0, 0, 1]) };

        var problem = await ProblemAsync("attention", V2Client.Request(inputs), HttpStatusCode.BadRequest, "values");

        problem["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["query", "values", "value"], ignoreOrder: true);
    }

    [Fact]
    public async Task DataThatDisagreesWithShape_Is400NamingTheInput() =>
        await ProblemAsync("attention", V2Client.Request([Query with { Shape = [2, 3] }, Key, Value]), HttpStatusCode.BadRequest, "query");

    [Fact]
    public async Task HeaderLengthBeyondTheBody_Is400NamingTheHeader()
    {
        var json = Encoding.UTF8.GetBytes("""{"inputs":[]}""");

        await ProblemAsync("attention", V2Client.Framed(json, [], headerLength: 500), HttpStatusCode.BadRequest, "Inference-Header-Content-Length");
    }

    [Fact]
    public async Task BinaryDataSizeThatDisagreesWithShape_Is400NamingTheInput()
    {
        var json = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"input","shape":[2,2],"datatype":"FP32","parameters":{"binary_data_size":12}}]}""");

        var problem = await ProblemAsync("self_attention", V2Client.Framed(json, [new byte[12]]), HttpStatusCode.BadRequest, "input");

        problem["detail"]!.GetValue<string>().ShouldBe("input has binary_data_size 12 but shape [2, 2] of FP32 needs 16 bytes");
    }

    [Fact]
    public async Task BodyEndingInsideABinaryInput_Is400NamingIt()
    {
        var json = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"input","shape":[2,2],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""");

        var problem = await ProblemAsync("self_attention", V2Client.Framed(json, [new byte[10]]), HttpStatusCode.BadRequest, "input");

        problem["detail"]!.GetValue<string>().ShouldBe("input has binary_data_size 16 but the body ends 10 bytes into its data");
    }

    [Fact]
    public async Task BytesLeftOver_Is400()
    {
        var input = Tensor.Fp32("input", [2, 2], [1, 2, 3, 4]) with { Binary = true };
        var json = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"input","shape":[2,2],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""");

        var problem = await ProblemAsync("self_attention", V2Client.Framed(json, [input.Bytes(), new byte[3]]), HttpStatusCode.BadRequest, "body");

        problem["detail"]!.GetValue<string>().ShouldStartWith("body 3 bytes follow the binary data of the inputs");
    }

    [Fact]
    public async Task EngineFinding_Is422NamedByTheV2InputName()
    {
        var inputs = MultiheadInputs().Select(t => t.Name == "q_proj_weight" ? Tensor.Fp32("q_proj_weight", [4, 2], new double[8]) : t);

        var problem = await ProblemAsync("multihead_attention", V2Client.Request(inputs, new JsonObject { ["num_heads"] = 2 }), HttpStatusCode.UnprocessableEntity, "q_proj_weight");

        problem["detail"]!.GetValue<string>().ShouldStartWith("q_proj_weight ");
    }

    [Fact]
    public async Task NonFiniteBinaryNumber_Is422NamingTheInput()
    {
        var input = new Tensor("input", "FP32", [2, 2], new[] { 1f, float.NaN, 3f, 4f }) { Binary = true };

        var problem = await ProblemAsync("self_attention", V2Client.Request([input]), HttpStatusCode.UnprocessableEntity, "input");

        problem["detail"]!.GetValue<string>().ShouldBe("input element 1 is NaN; tensors hold finite numbers");
    }

    [Fact]
    public async Task BoolByteOtherThanZeroOrOne_Is422NamingTheMask()
    {
        var json = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"input","shape":[2,2],"datatype":"FP32","data":[1,2,3,4]},{"name":"mask","shape":[2,2],"datatype":"BOOL","parameters":{"binary_data_size":4}}]}""");

        var problem = await ProblemAsync("self_attention", V2Client.Framed(json, [[1, 2, 1, 1]]), HttpStatusCode.UnprocessableEntity, "mask");

        problem["detail"]!.GetValue<string>().ShouldBe("mask byte 1 is 2; BOOL elements are one byte, 0 or 1");
    }

    [Fact]
    public async Task NumbersAsStrings_Are400_AndNotJson_Is415()
    {
        using var strings = await factory.CreateClient().PostAsync("/v2/models/self_attention/infer",
            TestData.Json("""{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32","data":["NaN"]}]}"""));
        using var form = await factory.CreateClient().PostAsync("/v2/models/self_attention/infer", new StringContent("input=1", Encoding.UTF8, "application/x-www-form-urlencoded"));

        strings.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await TestData.ReadObjectAsync(strings))["error"]!.GetValue<string>().ShouldContain("expected numbers or booleans, found a string");
        form.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await TestData.ReadObjectAsync(form))["error"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"inputs":null}""")]
    [InlineData("""{"inputs":[null]}""")]
    [InlineData("""{"inputs":[],"outputs":[null]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":null,"datatype":"FP32","data":[1]}]}""")]
    [InlineData("""{"inputs":[{"name":null,"shape":[1,1],"datatype":"FP32","data":[1]}]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32"}]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP16","data":[1]}]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[-1,1],"datatype":"FP32","data":[1]}]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32","data":{"a":1}}]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32","data":[1],"parameters":{"binary_data_size":4}}]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32","parameters":{"binary_data_size":"4"}}]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32","data":[1]}],"parameters":{"binary_data_output":1}}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32","data":[1]}],"outputs":[{"name":"logits"}]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32","data":[1]}],"outputs":[{"name":"weights","parameters":{"binary_data":"yes"}}]}""")]
    public async Task MalformedHeader_Is400_AsJsonOrFramed(string json)
    {
        foreach (var content in new[] { TestData.Json(json), V2Client.Framed(Encoding.UTF8.GetBytes(json), []) })
        {
            using var response = await factory.CreateClient().PostAsync("/v2/models/self_attention/infer", content);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
            JsonNode.Parse(text)!["error"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        }
    }

    private static Tensor[] MultiheadInputs() =>
    [
        Tensor.Fp32("query", [1, 4], new double[4]), Tensor.Fp32("key", [2, 4], new double[8]), Tensor.Fp32("value", [2, 4], new double[8]),
        Tensor.Fp32("q_proj_weight", [4, 4], new double[16]), Tensor.Fp32("k_proj_weight", [4, 4], new double[16]),
        Tensor.Fp32("v_proj_weight", [4, 4], new double[16]), Tensor.Fp32("out_proj_weight", [4, 4], new double[16]),
    ];
}
