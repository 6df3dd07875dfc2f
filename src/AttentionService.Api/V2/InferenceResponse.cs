using System.Text.Json.Serialization;

namespace AttentionService.Api.V2;

/// <summary>
/// The answer to an inference request. It documents the JSON that <see cref="InferenceResult{T}"/> writes straight
/// from the engine's buffers; it is never built as an object. With binary outputs the body is this JSON followed by
/// their bytes in the order of <c>outputs</c>, served as <c>application/octet-stream</c> with the JSON's length in
/// <c>Inference-Header-Content-Length</c>.
/// </summary>
public sealed class InferenceResponse
{
    /// <summary>The model that answered.</summary>
    [JsonPropertyName("model_name")]
    public required string ModelName { get; init; }

    /// <summary>Always <c>1</c>.</summary>
    [JsonPropertyName("model_version")]
    public required string ModelVersion { get; init; }

    /// <summary>The request's <c>id</c>, when it had one.</summary>
    public string? Id { get; init; }

    /// <summary><c>scoring</c> and <c>scale</c> used by <c>attention</c> and <c>self_attention</c> (the defaults when the request gave none).</summary>
    public Dictionary<string, object>? Parameters { get; init; }

    /// <summary>The outputs, in the order requested.</summary>
    public required IReadOnlyList<ResponseOutput> Outputs { get; init; }
}

/// <summary>An output tensor.</summary>
public sealed class ResponseOutput
{
    /// <summary><c>output</c> (<c>[..., n, dv]</c>) or <c>weights</c> (<c>[..., n, m]</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The precision of the computation: <c>FP32</c> or <c>FP64</c>.</summary>
    public required string Datatype { get; init; }

    /// <summary>The dimensions, outermost first.</summary>
    public required IReadOnlyList<int> Shape { get; init; }

    /// <summary><c>binary_data_size</c>: the output's byte count in the binary part of the body, for a binary output.</summary>
    public Dictionary<string, long>? Parameters { get; init; }

    /// <summary>The elements, row-major, flat; absent for a binary output.</summary>
    public IReadOnlyList<double>? Data { get; init; }
}
