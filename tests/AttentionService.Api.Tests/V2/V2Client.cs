using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace AttentionService.Api.Tests.V2;

/// <summary>An input tensor as a client holds it: flat row-major elements (float, double, bool, int or long) and a shape.</summary>
public sealed record Tensor(string Name, string Datatype, int[] Shape, Array Data)
{
    public bool Binary { get; init; }

    public bool Nested { get; init; }

    public static Tensor Fp32(string name, int[] shape, IEnumerable<double> data) => new(name, "FP32", shape, data.Select(x => (float)x).ToArray());

    public static Tensor Fp64(string name, int[] shape, IEnumerable<double> data) => new(name, "FP64", shape, data.ToArray());

    public static Tensor Bool(string name, int[] shape, IEnumerable<bool> data) => new(name, "BOOL", shape, data.ToArray());

    /// <summary>The bytes the binary tensor extension sends: little-endian, row-major, BOOL one byte per element.</summary>
    public byte[] Bytes()
    {
        if (Data is bool[] booleans)
        {
            return booleans.Select(b => b ? (byte)1 : (byte)0).ToArray();
        }

        var bytes = new byte[Buffer.ByteLength(Data)];
        Buffer.BlockCopy(Data, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}

/// <summary>An output as the client reads it back.</summary>
public sealed record OutputTensor(string Name, string Datatype, int[] Shape, double[] Data, bool WasBinary);

/// <summary>
/// A client of the Open Inference Protocol written from its published documents (KServe's REST spec and Triton's
/// binary tensor data extension), independent of the service's code: it builds request bodies and reads answers.
/// </summary>
public static class V2Client
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>The body of an inference request: JSON, or the JSON header followed by the binary inputs in input order.</summary>
    public static HttpContent Request(IEnumerable<Tensor> inputs, JsonObject? parameters = null, IEnumerable<(string Name, bool? Binary)>? outputs = null, string? id = null, string? contentType = null)
    {
        var list = inputs.ToList();
        var header = new JsonObject();
        if (id is not null)
        {
            header["id"] = id;
        }

        if (parameters is not null)
        {
            header["parameters"] = parameters;
        }

        header["inputs"] = new JsonArray(list.Select(Describe).ToArray());
        if (outputs is not null)
        {
            header["outputs"] = new JsonArray(outputs.Select(o => (JsonNode)(o.Binary is { } b
                ? new JsonObject { ["name"] = o.Name, ["parameters"] = new JsonObject { ["binary_data"] = b } }
                : new JsonObject { ["name"] = o.Name })).ToArray());
        }

        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        if (!list.Any(t => t.Binary))
        {
            var content = new ByteArrayContent(json);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
            return content;
        }

        return Framed(json, list.Where(t => t.Binary).Select(t => t.Bytes()), contentType);
    }

    /// <summary>A body framed as the extension says, from parts given by hand (for the tests of broken framing).</summary>
    public static HttpContent Framed(byte[] json, IEnumerable<byte[]> binaries, string? contentType = null, long? headerLength = null)
    {
        var body = new MemoryStream();
        body.Write(json);
        foreach (var bytes in binaries)
        {
            body.Write(bytes);
        }

        var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/octet-stream");
        content.Headers.Add(HeaderLength, (headerLength ?? json.Length).ToString(CultureInfo.InvariantCulture));
        return content;
    }

    private static JsonNode Describe(Tensor t)
    {
        var input = new JsonObject
        {
            ["name"] = t.Name,
            ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
            ["datatype"] = t.Datatype,
        };
        if (t.Binary)
        {
            input["parameters"] = new JsonObject { ["binary_data_size"] = t.Bytes().Length };
        }
        else
        {
            var flat = t.Data.Cast<object>().Select(x => x is bool b ? JsonValue.Create(b) : (JsonNode)JsonValue.Create(Convert.ToDouble(x, CultureInfo.InvariantCulture))!).ToArray();
            input["data"] = t.Nested ? Nest(flat, t.Shape) : new JsonArray(flat);
        }

        return input;
    }

    /// <summary>Flat elements as nested lists of the shape (the nested form the protocol also allows, and v1's form).</summary>
    public static JsonArray Nest(IReadOnlyList<JsonNode> flat, ReadOnlySpan<int> shape)
    {
        if (shape.Length == 1)
        {
            return new JsonArray(flat.Select(x => x.DeepClone()).ToArray());
        }

        var inner = 1;
        foreach (var d in shape[1..])
        {
            inner *= d;
        }

        var result = new JsonArray();
        for (var i = 0; i < shape[0]; i++)
        {
            result.Add(Nest(flat.Skip(i * inner).Take(inner).ToList(), shape[1..]));
        }

        return result;
    }

    /// <summary>Reads an inference response: the JSON (all of it, or Inference-Header-Content-Length bytes), then each binary output's bytes in output order.</summary>
    public static async Task<(JsonObject Header, IReadOnlyDictionary<string, OutputTensor> Outputs)> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        var length = response.Headers.TryGetValues(HeaderLength, out var values) || response.Content.Headers.TryGetValues(HeaderLength, out values)
            ? int.Parse(values.Single(), CultureInfo.InvariantCulture)
            : body.Length;
        var header = JsonNode.Parse(body.AsSpan(0, length))!.AsObject();
        var outputs = new Dictionary<string, OutputTensor>();
        var offset = length;
        foreach (var output in header["outputs"]!.AsArray().Select(o => o!.AsObject()))
        {
            var name = output["name"]!.GetValue<string>();
            var datatype = output["datatype"]!.GetValue<string>();
            var shape = output["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            if (output["parameters"]?["binary_data_size"] is { } size)
            {
                var bytes = body.AsSpan(offset, size.GetValue<int>());
                offset += bytes.Length;
                var data = datatype == "FP64"
                    ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes).ToArray()
                    : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray().Select(x => (double)x).ToArray();
                outputs[name] = new OutputTensor(name, datatype, shape, data, true);
            }
            else
            {
                outputs[name] = new OutputTensor(name, datatype, shape, output["data"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray(), false);
            }
        }

        offset.ShouldBe(body.Length, "the binary outputs should fill the body exactly");
        return (header, outputs);
    }
}
