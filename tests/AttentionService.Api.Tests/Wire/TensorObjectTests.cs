using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace AttentionService.Api.Tests.Wire;

/// <summary>Tensor objects ({"dtype", "shape", "data": base64}) in requests and answers, and their refusals.</summary>
[Collection(nameof(SharedService))]
public class TensorObjectTests(AttentionServiceFactory factory)
{
    private static string F32(float[] values, params int[] shape) =>
        $$"""{"dtype":"float32","shape":[{{string.Join(",", shape)}}],"data":"{{Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan()))}}"}""";

    private static string F64(double[] values, params int[] shape) =>
        $$"""{"dtype":"float64","shape":[{{string.Join(",", shape)}}],"data":"{{Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan()))}}"}""";

    private async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string json, string path = "/v1/attention")
    {
        using var response = await factory.CreateClient().PostAsync(path, TestData.Json(json));
        return (response.StatusCode, await TestData.ReadObjectAsync(response));
    }

    [Fact]
    public async Task Float32Objects_MixedWithNestedArrays_GiveTheNestedAnswer()
    {
        var nested = await PostAsync("""{"query":[[1,0,1]],"key":[[1,0,1],[0,1,0]],"value":[[1,2],[3,4]]}""");
        var mixed = await PostAsync($$"""{"query":{{F32([1, 0, 1], 1, 3)}},"key":[[1,0,1],[0,1,0]],"value":{{F64([1, 2, 3, 4], 2, 2)}}}""");

        mixed.Status.ShouldBe(HttpStatusCode.OK);
        mixed.Body["weights"]!.ToJsonString().ShouldBe(nested.Body["weights"]!.ToJsonString());
        mixed.Body["output"]!.ToJsonString().ShouldBe(nested.Body["output"]!.ToJsonString());
    }

    [Theory]
    [InlineData("float32", 4)]
    [InlineData("float64", 8)]
    public async Task Base64Encoding_AnswersTensorObjectsOfThePrecision(string precision, int size)
    {
        var nested = await PostAsync($$"""{"query":[[1,0,1]],"key":[[1,0,1],[0,1,0]],"value":[[1,2],[3,4]],"precision":"{{precision}}"}""");
        var (status, body) = await PostAsync($$"""{"query":[[1,0,1]],"key":[[1,0,1],[0,1,0]],"value":[[1,2],[3,4]],"precision":"{{precision}}","encoding":"base64"}""");

        status.ShouldBe(HttpStatusCode.OK);
        var weights = body["weights"]!.AsObject();
        weights["dtype"]!.GetValue<string>().ShouldBe(precision);
        weights["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ShouldBe([1, 2]);
        var bytes = Convert.FromBase64String(weights["data"]!.GetValue<string>());
        bytes.Length.ShouldBe(2 * size);
        var written = nested.Body["weights"]![0]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
        if (size == 4)
        {
            MemoryMarshal.Cast<byte, float>(bytes).ToArray().ShouldBe(written.Select(x => (float)x).ToArray()); // the nested form is float32's shortest digits
        }
        else
        {
            MemoryMarshal.Cast<byte, double>(bytes).ToArray().ShouldBe(written);
        }
        body["precision"]!.GetValue<string>().ShouldBe(precision);
    }

    [Fact]
    public async Task BoolMaskObject_MasksLikeNestedBooleans()
    {
        var nested = await PostAsync("""{"query":[[1,0],[0,1]],"key":[[1,0],[0,1]],"value":[[1,2],[3,4]],"mask":[[true,false],[true,true]]}""");
        var binary = await PostAsync("""{"query":[[1,0],[0,1]],"key":[[1,0],[0,1]],"value":[[1,2],[3,4]],"mask":{"dtype":"bool","shape":[2,2],"data":"AQABAQ=="}}""");

        binary.Status.ShouldBe(HttpStatusCode.OK);
        binary.Body["weights"]!.ToJsonString().ShouldBe(nested.Body["weights"]!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"dtype":"float16","shape":[1,3],"data":"AAAAAAAA"}""", "query", "unknown dtype \"float16\"; a number tensor object's dtype is float32 or float64")]
    [InlineData("""{"dtype":"float32","shape":[1,3],"data":"not base64!!"}""", "query", "a tensor object's data is not base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, padded with = to a multiple of 4)")]
    [InlineData("""{"dtype":"float32","shape":[1,3],"data":"AAAAAAAAAAAAAAA"}""", "query", "a tensor object's data is not base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, padded with = to a multiple of 4)")]
    [InlineData("""{"dtype":"float32","shape":[1,3]}""", "query", "a tensor object needs dtype, shape and data; data is missing")]
    [InlineData("""{"dtype":"float32","shape":[1,3],"data":"","order":"C"}""", "query", "a tensor object has the members dtype, shape and data; \"order\" is not one of them")]
    public async Task MalformedTensorObject_Is400NamingTheField(string tensor, string field, string message)
    {
        var (status, body) = await PostAsync($$"""{"query":{{tensor}},"key":[[1,0,1]],"value":[[1]]}""");

        status.ShouldBe(HttpStatusCode.BadRequest);
        body["errors"]![field]![0]!.GetValue<string>().ShouldBe(message);
    }

    [Theory]
    [InlineData("""{"dtype":"float32","shape":[1,3],"data":"AAAAAAAA"}""", "query", "data holds 6 bytes but shape [1, 3] of float32 needs 12 (3 elements of 4 bytes)")]
    [InlineData("""{"dtype":"float32","shape":[1,0],"data":""}""", "query", "shape [1, 0] has a dimension below 1; every dimension must be at least 1")]
    [InlineData("""{"dtype":"float32","shape":[1,1,1,1,1],"data":"AAAAAA=="}""", "query", "shape [1, 1, 1, 1, 1] has rank 5; tensors have rank 2 to 4, vectors rank 1")]
    [InlineData("""{"dtype":"float32","shape":[1,3],"data":"AAAAAAAAwH8AAAAA"}""", "query[0][1]", "NaN is not a finite number")]
    [InlineData("""{"dtype":"float64","shape":[1,1],"data":"AAAAAAAA8H8="}""", "query[0][0]", "Infinity is not a finite number")]
    public async Task UnusableTensorObject_Is422NamingTheFieldAndDimensions(string tensor, string field, string message)
    {
        var (status, body) = await PostAsync($$"""{"query":{{tensor}},"key":[[1,0,1]],"value":[[1]]}""");

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body["errors"]![field]![0]!.GetValue<string>().ShouldBe(message);
    }

    [Fact]
    public async Task BoolByteOtherThan0Or1_Is422AtItsIndex()
    {
        var (status, body) = await PostAsync("""{"query":[[1]],"key":[[1],[1]],"value":[[1],[1]],"mask":{"dtype":"bool","shape":[1,2],"data":"AQI="}}""");

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body["errors"]!["mask[0][1]"]![0]!.GetValue<string>().ShouldBe("byte 2 is not a boolean; bool elements are one byte each, 0 or 1");
    }

    [Fact]
    public async Task Float64ObjectBeyondFloat32_Is422InAFloat32Request()
    {
        var (status, body) = await PostAsync($$"""{"query":{{F64([1, 1e39], 1, 2)}},"key":[[1,0]],"value":[[1]]}""");

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body["errors"]!["query[0][1]"]![0]!.GetValue<string>().ShouldStartWith("1E+39 is not finite in float32");
    }

    [Fact]
    public async Task MultiheadAndSelf_TakeTensorObjectsToo()
    {
        var self = await PostAsync($$"""{"input":{{F32([1, 0, 0, 1], 2, 2)}},"encoding":"base64"}""", "/v1/attention/self");
        self.Status.ShouldBe(HttpStatusCode.OK);
        self.Body["output"]!["dtype"]!.GetValue<string>().ShouldBe("float32");

        var eye = F32([1, 0, 0, 1], 2, 2);
        var multihead = await PostAsync($$"""{"query":{{eye}},"key":{{eye}},"value":{{eye}},"numHeads":1,"qProjWeight":{{eye}},"kProjWeight":{{eye}},"vProjWeight":{{eye}},"outProjWeight":{{eye}},"outProjBias":{{F32([0, 0], 2)}}}""", "/v1/attention/multihead");
        multihead.Status.ShouldBe(HttpStatusCode.OK);
    }
}
