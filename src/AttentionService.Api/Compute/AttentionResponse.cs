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

    /// <summary>With <c>weightsTopK</c>: each row's k largest weights and their key indices, instead of <c>weights</c>.</summary>
    public TopKWeights? WeightsTopK { get; init; }

    /// <summary>With <c>returnLogSumExp</c> (and from <c>merge</c>): <c>[..., n]</c>, ln Σ_j exp(s_ij) over each row's final scores; the string <c>"-Infinity"</c> for a row that may attend no key.</summary>
    public NumberTensor? LogSumExp { get; init; }

    /// <summary>With <c>diagnostics</c>: what the computation saw.</summary>
    public AttentionDiagnosticsResponse? Diagnostics { get; init; }

    /// <summary>The scoring function used (absent from a merge).</summary>
    public required Scoring Scoring { get; init; }

    /// <summary>The scale applied to the scores (the default when the request gave none).</summary>
    public required double Scale { get; init; }

    /// <summary>The precision of the computation.</summary>
    public required Precision Precision { get; init; }
}

/// <summary>Each row's k largest weights, largest first, ties by lower key index.</summary>
public sealed class TopKWeights
{
    /// <summary><c>[..., n, k]</c>: key indices.</summary>
    public required NumberTensor Indices { get; init; }

    /// <summary><c>[..., n, k]</c>: the weights at those keys.</summary>
    public required NumberTensor Values { get; init; }
}

/// <summary>What a computation saw: the kernel path, fully masked rows, the largest score and each row's entropy.</summary>
public sealed class AttentionDiagnosticsResponse
{
    /// <summary>The instruction-set path the kernels ran: <c>scalar</c>, <c>vector128</c>, <c>vector256</c> or <c>vector512</c>.</summary>
    public required string KernelPath { get; init; }

    /// <summary>Query rows that may attend no key (they answer zeros).</summary>
    public required long MaskedRows { get; init; }

    /// <summary>The largest |final score| over the pairs that may attend.</summary>
    public required double MaxAbsScore { get; init; }

    /// <summary><c>[..., n]</c>: each row's entropy −Σ_j w_ij ln w_ij in nats (0 for an empty row; ln m for a uniform row; near 0 when a row collapses onto one key).</summary>
    public required NumberTensor Entropy { get; init; }
}
