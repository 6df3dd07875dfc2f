using System.Numerics;
using AttentionService.Engine.Kernels;

namespace AttentionService.Engine;

/// <summary>The answer to an attention problem. Its tensors are pooled: dispose it when written out.</summary>
/// <typeparam name="T">The precision of the computation.</typeparam>
public sealed class AttentionResult<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    internal AttentionResult(TensorData<T> output, TensorData<T>? weights, Scoring scoring, double scale)
    {
        Output = output;
        Weights = weights;
        Scoring = scoring;
        Scale = scale;
    }

    /// <summary><c>[..., n, dv]</c>: each query's weighted sum of values.</summary>
    public TensorData<T> Output { get; }

    /// <summary><c>[..., n, m]</c>: the softmax weights, or <c>null</c> when not requested.</summary>
    public TensorData<T>? Weights { get; }

    /// <summary>The scoring function used.</summary>
    public Scoring Scoring { get; }

    /// <summary>The scale applied to the scores (the default when the problem gave none).</summary>
    public double Scale { get; }

    /// <summary><c>[..., n]</c>: ln Σ_j exp(s_ij) over each row's final scores (−∞ for a row with no key), when asked for.</summary>
    public TensorData<T>? LogSumExp { get; init; }

    /// <summary><c>[..., n, k]</c>: the key indices of each row's k largest weights, largest first (ties by lower index).</summary>
    public TensorData<int>? TopKIndices { get; init; }

    /// <summary><c>[..., n, k]</c>: each row's k largest weights, largest first.</summary>
    public TensorData<T>? TopKValues { get; init; }

    /// <summary>What the computation saw, when asked for.</summary>
    public AttentionDiagnostics<T>? Diagnostics { get; init; }

    /// <summary>Whether this answer merges partial answers (<see cref="MergeProblem{T}"/>): it has no scoring of its own.</summary>
    public bool IsMerge { get; init; }

    /// <summary>Returns every buffer to the pool.</summary>
    public void Dispose()
    {
        Output.Dispose();
        Weights?.Dispose();
        LogSumExp?.Dispose();
        TopKIndices?.Dispose();
        TopKValues?.Dispose();
        Diagnostics?.Entropy.Dispose();
    }
}

/// <summary>What a computation saw: a standard check for attention collapse and fully masked rows.</summary>
/// <param name="KernelPath">The instruction-set path the kernels ran.</param>
/// <param name="MaskedRows">Query rows that may attend no key (they answer zeros).</param>
/// <param name="MaxAbsScore">The largest |final score| over the pairs that may attend; 0 when none may.</param>
/// <param name="Entropy"><c>[..., n]</c>: each row's entropy −Σ_j w_ij ln w_ij in nats (0 for an empty row).</param>
public sealed record AttentionDiagnostics<T>(KernelPath KernelPath, long MaskedRows, double MaxAbsScore, TensorData<T> Entropy)
    where T : unmanaged;
