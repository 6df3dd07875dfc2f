using System.Net;
using System.Text.Json.Nodes;

namespace AttentionService.Api.Tests.V2;

/// <summary>The Open Inference Protocol from a client written from its documents: metadata, health, every model in every form, against v1's answers.</summary>
[Collection(nameof(SharedService))]
public class V2Tests(AttentionServiceFactory factory)
{
    private static readonly (int[] Q, int[] K, int[] V)[] Ranks =
    [
        ([3, 4], [5, 4], [5, 2]),
        ([2, 3, 4], [2, 5, 4], [2, 5, 3]),
        ([2, 2, 3, 4], [2, 1, 5, 4], [2, 1, 5, 3]),
    ];

    [Fact]
    public async Task ServerMetadata_NamesTheBinaryTensorExtension_AndHealthAnswers200()
    {
        var client = factory.CreateClient();

        var metadata = await TestData.ReadObjectAsync(await client.GetAsync("/v2"));
        using var live = await client.GetAsync("/v2/health/live");
        await Polling.UntilReadyAsync(client, "/v2/health/ready"); // warm-up may still run when this test comes first

        metadata["name"]!.GetValue<string>().ShouldBe("attention-service");
        metadata["version"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        metadata["extensions"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldContain("binary_tensor_data");
        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await live.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("attention", "query,key,value,mask,bias,w,wq,wk,v", 4)]
    [InlineData("self_attention", "input,mask,bias", 4)]
    [InlineData("multihead_attention", "query,key,value,q_proj_weight,k_proj_weight,v_proj_weight,out_proj_weight,q_proj_bias,k_proj_bias,v_proj_bias,out_proj_bias,mask,bias,key_lengths", 3)]
    public async Task ModelMetadata_DescribesEveryInputAndOutput(string model, string inputs, int queryRank)
    {
        var client = factory.CreateClient();

        var metadata = await TestData.ReadObjectAsync(await client.GetAsync($"/v2/models/{model}"));
        var versioned = await TestData.ReadObjectAsync(await client.GetAsync($"/v2/models/{model}/versions/1"));
        using var ready = await client.GetAsync($"/v2/models/{model}/ready");

        metadata["name"]!.GetValue<string>().ShouldBe(model);
        metadata["versions"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(["1"]);
        metadata["platform"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        metadata["inputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ShouldBe(inputs.Split(','));
        var first = metadata["inputs"]![0]!;
        first["datatype"]!.GetValue<string>().ShouldBe("FP32");
        first["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ShouldBe(Enumerable.Repeat(-1, queryRank));
        metadata["inputs"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "mask")!["datatype"]!.GetValue<string>().ShouldBe("BOOL");
        metadata["outputs"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()).ShouldBe(["output", "weights"]);
        metadata["outputs"]!.AsArray().ShouldAllBe(o => o!["shape"]!.AsArray().All(d => d!.GetValue<int>() == -1));
        JsonNode.DeepEquals(metadata, versioned).ShouldBeTrue();
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("GET", "/v2/models/nope", "unknown model 'nope'; this server serves attention, self_attention, multihead_attention")]
    [InlineData("GET", "/v2/models/nope/ready", "unknown model 'nope'; this server serves attention, self_attention, multihead_attention")]
    [InlineData("POST", "/v2/models/nope/infer", "unknown model 'nope'; this server serves attention, self_attention, multihead_attention")]
    [InlineData("GET", "/v2/models/attention/versions/2", "model 'attention' has no version '2'; its only version is 1")]
    public async Task UnknownModelOrVersion_Is404_WithTheErrorMember(string method, string path, string detail)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? TestData.Json("{}") : null };

        using var response = await factory.CreateClient().SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await TestData.ReadObjectAsync(response);
        problem.Select(p => p.Key).ShouldBe(["type", "title", "status", "detail", "traceId", "error"], ignoreOrder: true);
        problem["status"]!.GetValue<int>().ShouldBe(404);
        problem["detail"]!.GetValue<string>().ShouldBe(detail);
        problem["error"]!.GetValue<string>().ShouldBe(detail);
    }

    [Fact]
    public async Task Json_SeedExample_AnswersTheCorrectedWeights_AndEchoesTheId()
    {
        var inputs = new[]
        {
            Tensor.Fp32("query", [1, 3], [1, 2, 3]),
            Tensor.Fp32("key", [2, 3], [4, 6, 8, 5, 7, 9]),
            Tensor.Fp32("value", [2, 2], [1, 0, 0, 1]),
        };

        using var response = await factory.CreateClient().PostAsync("/v2/models/attention/infer", V2Client.Request(inputs, id: "seed-1"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        var (header, outputs) = await V2Client.ReadAsync(response);
        header["model_name"]!.GetValue<string>().ShouldBe("attention");
        header["model_version"]!.GetValue<string>().ShouldBe("1");
        header["id"]!.GetValue<string>().ShouldBe("seed-1");
        header["parameters"]!["scoring"]!.GetValue<string>().ShouldBe("scaled_dot");
        outputs.Keys.ShouldBe(["output", "weights"]);
        outputs["weights"].Datatype.ShouldBe("FP32");
        outputs["weights"].Shape.ShouldBe([1, 2]);
        outputs["weights"].Data[0].ShouldBe(0.030351, 1e-6);
        outputs["weights"].Data[1].ShouldBe(0.969649, 1e-6);
    }

    public static TheoryData<int, string, string> AttentionCases()
    {
        var data = new TheoryData<int, string, string>();
        foreach (var rank in new[] { 0, 1, 2 })
        {
            foreach (var form in new[] { "json", "nested", "binary", "mixed" })
            {
                foreach (var datatype in new[] { "FP32", "FP64" })
                {
                    data.Add(rank, form, datatype);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public async Task Attention_AnswersAsV1_InEveryForm(int rank, string form, string datatype)
    {
        var (q, k, v) = Ranks[rank];
        var rng = new Random(rank * 10 + form.Length);
        var query = Random(rng, q);
        var key = Random(rng, k);
        var value = Random(rng, v);
        var mask = Enumerable.Range(0, q[^2] * k[^2]).Select(i => i % 3 != 1).ToArray();
        Tensor Make(string name, int[] shape, double[] data, bool binary) =>
            (datatype == "FP64" ? Tensor.Fp64(name, shape, data) : Tensor.Fp32(name, shape, data)) with { Binary = binary, Nested = form == "nested" };
        var inputs = new[]
        {
            Make("query", q, query, form is "binary" or "mixed"),
            Make("key", k, key, form == "binary"),
            Make("value", v, value, form is "binary" or "mixed"),
            Tensor.Bool("mask", [q[^2], k[^2]], mask) with { Binary = form == "binary" },
        };
        (string, bool?)[]? outputs = form == "mixed" ? [("weights", true), ("output", false)] : null;
        var parameters = new JsonObject { ["causal"] = true, ["scoring"] = "dot", ["scale"] = 0.5 };
        if (form == "binary")
        {
            parameters["binary_data_output"] = true;
        }

        using var response = await factory.CreateClient().PostAsync("/v2/models/attention/infer", V2Client.Request(inputs, parameters, outputs));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe(form is "binary" or "mixed" ? "application/octet-stream" : "application/json");
        var (header, answer) = await V2Client.ReadAsync(response);
        header["outputs"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()).ShouldBe(form == "mixed" ? ["weights", "output"] : ["output", "weights"]);
        answer.Values.ShouldAllBe(o => o.Datatype == datatype && o.WasBinary == (form == "binary" || (form == "mixed" && o.Name == "weights")));
        var v1 = new JsonObject
        {
            ["query"] = Nested(query, q), ["key"] = Nested(key, k), ["value"] = Nested(value, v),
            ["mask"] = V2Client.Nest(mask.Select(b => (JsonNode)b).ToList(), [q[^2], k[^2]]),
            ["causal"] = true, ["scoring"] = "dot", ["scale"] = 0.5, ["precision"] = datatype == "FP64" ? "float64" : "float32",
        };
        await ShouldAgreeWithV1Async("/v1/attention", v1, answer);
    }

    [Theory]
    [InlineData(0, "FP32", true)]
    [InlineData(1, "FP64", false)]
    [InlineData(2, "FP32", false)]
    public async Task SelfAttention_AnswersAsV1(int rank, string datatype, bool binary)
    {
        var shape = Ranks[rank].Q;
        var input = Random(new Random(rank), shape);
        var tensor = (datatype == "FP64" ? Tensor.Fp64("input", shape, input) : Tensor.Fp32("input", shape, input)) with { Binary = binary };

        using var response = await factory.CreateClient().PostAsync(
            "/v2/models/self_attention/infer",
            V2Client.Request([tensor], new JsonObject { ["causal"] = true }, [("output", binary), ("weights", !binary)]));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var (header, answer) = await V2Client.ReadAsync(response);
        header["parameters"]!["scoring"]!.GetValue<string>().ShouldBe("pearson");
        await ShouldAgreeWithV1Async("/v1/attention/self", new JsonObject { ["input"] = Nested(input, shape), ["causal"] = true, ["precision"] = datatype == "FP64" ? "float64" : "float32" }, answer);
    }

    [Theory]
    [InlineData("INT64", true, true)]
    [InlineData("INT32", true, false)]
    [InlineData("INT64", false, true)]
    public async Task Multihead_AnswersAsV1_WithKeyLengthsOfEitherWidth(string lengthsType, bool binary, bool average)
    {
        const int b = 2, n = 3, m = 4, e = 4, heads = 2;
        var rng = new Random(7);
        var shapes = new Dictionary<string, int[]>
        {
            ["query"] = [b, n, e], ["key"] = [b, m, e], ["value"] = [b, m, e],
            ["q_proj_weight"] = [e, e], ["k_proj_weight"] = [e, e], ["v_proj_weight"] = [e, e], ["out_proj_weight"] = [e, e],
            ["q_proj_bias"] = [e], ["out_proj_bias"] = [e],
        };
        var data = shapes.ToDictionary(s => s.Key, s => Random(rng, s.Value));
        var inputs = shapes.Select(s => Tensor.Fp32(s.Key, s.Value, data[s.Key]) with { Binary = binary }).ToList();
        Array lengths = lengthsType == "INT64" ? new long[] { 4, 2 } : new[] { 4, 2 };
        inputs.Add(new Tensor("key_lengths", lengthsType, [b], lengths) { Binary = binary });

        using var response = await factory.CreateClient().PostAsync(
            "/v2/models/multihead_attention/infer",
            V2Client.Request(inputs, new JsonObject { ["num_heads"] = heads, ["average_weights"] = average, ["binary_data_output"] = binary }));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var (_, answer) = await V2Client.ReadAsync(response);
        answer["weights"].Shape.ShouldBe(average ? [b, n, m] : [b, heads, n, m]);
        var v1 = new JsonObject { ["numHeads"] = heads, ["averageWeights"] = average, ["keyLengths"] = new JsonArray(4, 2) };
        foreach (var (name, shape) in shapes)
        {
            v1[System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(string.Concat(name.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..])))] = Nested(data[name], shape);
        }

        await ShouldAgreeWithV1Async("/v1/attention/multihead", v1, answer);
    }

    [Fact]
    public async Task OutputsWithoutWeights_AnswerOnlyTheOutput()
    {
        var inputs = new[] { Tensor.Fp32("input", [2, 2], [1, 2, 3, 4]) };

        using var response = await factory.CreateClient().PostAsync("/v2/models/self_attention/infer", V2Client.Request(inputs, outputs: [("output", null)]));

        var (_, answer) = await V2Client.ReadAsync(response);
        answer.Keys.ShouldBe(["output"]);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task CompressedBinaryRequest_AnswersAsUncompressed(string encoding)
    {
        var inputs = new[] { Tensor.Fp32("input", [3, 2], [1, 2, 3, 4, 5, 6]) with { Binary = true } };
        var plain = await V2Client.Request(inputs).ReadAsByteArrayAsync();
        var compressed = new MemoryStream();
        await using (Stream zip = encoding == "gzip"
            ? new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)
            : new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            await zip.WriteAsync(plain);
        }

        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentEncoding.Add(encoding);
        foreach (var header in V2Client.Request(inputs).Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var response = await factory.CreateClient().PostAsync("/v2/models/self_attention/infer", content);
        using var reference = await factory.CreateClient().PostAsync("/v2/models/self_attention/infer", V2Client.Request(inputs));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await V2Client.ReadAsync(response)).Outputs["weights"].Data.ShouldBe((await V2Client.ReadAsync(reference)).Outputs["weights"].Data);
    }

    private async Task ShouldAgreeWithV1Async(string path, JsonObject v1Request, IReadOnlyDictionary<string, OutputTensor> answer)
    {
        using var response = await factory.CreateClient().PostAsync(path, TestData.Json(v1Request));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var v1 = await TestData.ReadObjectAsync(response);
        foreach (var output in answer.Values)
        {
            var expected = Flatten(v1[output.Name]!).ToArray();
            output.Data.Length.ShouldBe(expected.Length, output.Name);
            for (var i = 0; i < expected.Length; i++)
            {
                output.Data[i].ShouldBe(expected[i], 1e-6 + (1e-6 * Math.Abs(expected[i])), $"{output.Name}[{i}]");
            }
        }
    }

    private static IEnumerable<double> Flatten(JsonNode node) => node is JsonArray a ? a.SelectMany(x => Flatten(x!)) : [node.GetValue<double>()];

    private static double[] Random(Random rng, int[] shape) =>
        Enumerable.Range(0, shape.Aggregate(1, (x, y) => x * y)).Select(_ => Math.Round((rng.NextDouble() * 2) - 1, 3)).ToArray();

    private static JsonArray Nested(double[] data, int[] shape) => V2Client.Nest(data.Select(x => (JsonNode)x).ToList(), shape);
}
