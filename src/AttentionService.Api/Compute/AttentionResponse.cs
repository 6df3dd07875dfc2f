using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.Compute;

/// <summary>
/// The answer of every attention endpoint. It documents the JSON that <see cref="AttentionResponseWriter"/> writes
/// straight from the engine's buffers; it is never built as an object.
/// </summary>
public sealed class AttentionResponse
{
    /// <summary>The outputs, <c>[..., n, dv]</c>: each query row's weighted sum of value rows.</summary>
    public required NumberTensor Output { get; init; }

    /// <summary>The softmax weights, <c>[..., n, m]</c>; each row sums to 1, or is all zeros when the row may attend no key. Absent when <c>returnWeights</c> is false.</summary>
    public NumberTensor? Weights { get; init; }

    /// <summary>The scoring function used.</summary>
    public required Scoring Scoring { get; init; }

    /// <summary>The scale applied to the scores (the default when the request gave none).</summary>
    public required double Scale { get; init; }

    /// <summary>The precision of the computation.</summary>
    public required Precision Precision { get; init; }
}
