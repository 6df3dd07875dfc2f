using System.Text.Json;
using System.Text.Json.Serialization;

namespace AttentionService.Api.V2;

/// <summary>
/// An inference request of the Open Inference Protocol: the whole JSON body, or, with Triton's binary tensor
/// extension, the JSON header before the raw tensor bytes (its length in <c>Inference-Header-Content-Length</c>).
/// </summary>
public sealed class InferenceRequest : IDisposable
{
    /// <summary>An identifier echoed in the response.</summary>
    public string? Id { get; set; }

    /// <summary>Accepted for clients that send it; the model is the one in the path.</summary>
    [JsonPropertyName("model_name")]
    public string? ModelName { get; set; }

    /// <summary>Accepted for clients that send it; the only version is <c>1</c>.</summary>
    [JsonPropertyName("model_version")]
    public string? ModelVersion { get; set; }

    /// <summary>
    /// The model's parameters with scalar values: <c>scoring</c> (string), <c>scale</c> (number) and <c>causal</c>
    /// (boolean) for <c>attention</c> and <c>self_attention</c>; <c>num_heads</c> (integer, required), <c>causal</c> and
    /// <c>average_weights</c> (booleans) for <c>multihead_attention</c>; and <c>binary_data_output</c> (boolean): every
    /// output in binary unless an output says otherwise.
    /// </summary>
    public Dictionary<string, JsonElement>? Parameters { get; set; }

    /// <summary>The input tensors, each named as the model's metadata lists them.</summary>
    public required List<RequestInput> Inputs { get; set; }

    /// <summary>The outputs wanted, in the order the response lists them; both (<c>output</c>, <c>weights</c>) when absent. Leaving out <c>weights</c> spares computing them.</summary>
    public List<RequestOutput>? Outputs { get; set; }

    /// <summary>Returns every tensor buffer to the pool.</summary>
    public void Dispose()
    {
        foreach (var input in Inputs ?? [])
        {
            input?.Dispose();
        }
    }
}

/// <summary>An input tensor: name, datatype, shape, and its elements in <c>data</c> or, in binary, after the JSON.</summary>
public sealed class RequestInput : IDisposable
{
    /// <summary>The input's name, e.g. <c>query</c> or <c>q_proj_weight</c>.</summary>
    public required string Name { get; set; }

    /// <summary>The dimensions, outermost first.</summary>
    public required int[] Shape { get; set; }

    /// <summary><c>FP32</c> or <c>FP64</c> for numbers (the first input's datatype is the precision of the computation), <c>BOOL</c> for <c>mask</c>, <c>INT32</c> or <c>INT64</c> for <c>key_lengths</c>.</summary>
    public required string Datatype { get; set; }

    /// <summary><c>binary_data_size</c>: the tensor is sent in binary after the JSON, this many bytes (little-endian, row-major; BOOL one byte per element).</summary>
    public Dictionary<string, JsonElement>? Parameters { get; set; }

    /// <summary>The elements, row-major: a flat list (nested lists are accepted too) of numbers, or of booleans for BOOL. Absent when the tensor is binary.</summary>
    public TensorValues? Data { get; set; }

    /// <summary>The elements read from the binary part of the body, when <c>binary_data_size</c> was given.</summary>
    [JsonIgnore]
    internal BinaryTensor? Binary { get; set; }

    /// <summary>Returns the tensor's buffers to the pool.</summary>
    public void Dispose()
    {
        Data?.Dispose();
        Binary?.Dispose();
    }
}

/// <summary>An output wanted: its name and whether it comes back in binary.</summary>
public sealed class RequestOutput
{
    /// <summary><c>output</c> or <c>weights</c>.</summary>
    public required string Name { get; set; }

    /// <summary><c>binary_data</c> (boolean): this output comes back in binary after the JSON (overrides <c>binary_data_output</c>).</summary>
    public Dictionary<string, JsonElement>? Parameters { get; set; }
}
