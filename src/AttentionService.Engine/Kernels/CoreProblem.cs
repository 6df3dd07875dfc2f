using System.Numerics;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// The normalized problem the kernels solve: rank-4 <c>[B, H, N, D]</c> queries against <c>[B, Hkv, M, D]</c> keys
/// already transformed so that a score is a plain dot product (or, with <see cref="AdditiveV"/>, <c>v · tanh(q + k)</c>).
/// Mask and bias are <c>[N, M]</c> blocks addressed through batch and head strides (0 broadcasts).
/// </summary>
internal sealed class CoreProblem<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public required int Batch { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int N { get; init; }
    public required int M { get; init; }
    public required int D { get; init; }
    public required int Dv { get; init; }
    public required T[] Q { get; init; }
    public required T[] K { get; init; }
    public required T[] V { get; init; }
    public required T Scale { get; init; }
    public bool Causal { get; init; }
    public bool[]? Mask { get; init; }
    public long MaskBatchStride { get; init; }
    public long MaskHeadStride { get; init; }
    public T[]? Bias { get; init; }
    public long BiasBatchStride { get; init; }
    public long BiasHeadStride { get; init; }

    /// <summary>When set, the problem is additive: Q and K hold the projected rows and a score is <c>AdditiveV · tanh(q + k)</c>.</summary>
    public T[]? AdditiveV { get; init; }
    public required T[] Output { get; init; }
    public T[]? Weights { get; init; }

    public int GroupSize => Heads / KvHeads;

    /// <summary>Floating-point operations of the two matrix products, as benchmarks count them.</summary>
    public double Flops => 2.0 * Batch * Heads * N * M * (D + Dv) * (Causal ? 0.5 : 1.0);
}
