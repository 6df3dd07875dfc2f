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

    /// <summary>Where query 0 sits on the key axis: 0 (top-left) or M − N (bottom-right).</summary>
    public int PositionOffset { get; init; }

    /// <summary>Keys before and after a query's position it may attend; −1 unbounded (causal bounds the right at 0).</summary>
    public int WindowLeft { get; init; } = -1;
    public int WindowRight { get; init; } = -1;

    /// <summary>c &gt; 0 caps the scaled scores at c·tanh(s / c); zero for none.</summary>
    public T Softcap { get; init; }

    /// <summary>ALiBi slope per query head, or null.</summary>
    public T[]? AlibiSlopes { get; init; }

    /// <summary>Per row (<c>[B, H, N]</c>): ln Σ exp(s), written when set.</summary>
    public T[]? LogSumExp { get; init; }

    /// <summary>Per row: the entropy in nats, written when set (with <see cref="MaxAbsScore"/>).</summary>
    public T[]? Entropy { get; init; }

    /// <summary>Per row: the largest |score| over allowed keys (0 for none).</summary>
    public T[]? MaxAbsScore { get; init; }

    /// <summary>k of the top-k weights, 0 for none; <see cref="TopKIndices"/> and <see cref="TopKValues"/> are <c>[B, H, N, k]</c>.</summary>
    public int TopK { get; init; }
    public int[]? TopKIndices { get; init; }
    public T[]? TopKValues { get; init; }

    /// <summary>Whether a row must be computed by one work item (its statistics cannot be merged across key ranges).</summary>
    public bool WholeRows => Weights is not null || TopK > 0 || Entropy is not null;

    /// <summary>Whether keys are limited by position (causal or window).</summary>
    public bool HasKeyRange => Causal || WindowLeft >= 0 || WindowRight >= 0;

    /// <summary>The first key query <paramref name="i"/> may attend by position (mask aside).</summary>
    public int FirstKey(int i) => WindowLeft < 0 ? 0 : (int)Math.Clamp((long)i + PositionOffset - WindowLeft, 0, M);

    /// <summary>The last key query <paramref name="i"/> may attend by position (mask aside); below <see cref="FirstKey"/> when none.</summary>
    public int LastKey(int i)
    {
        long position = (long)i + PositionOffset, last = M - 1;
        if (Causal)
        {
            last = Math.Min(last, position);
        }

        if (WindowRight >= 0)
        {
            last = Math.Min(last, position + WindowRight);
        }

        return (int)Math.Max(last, -1);
    }

    public int GroupSize => Heads / KvHeads;

    /// <summary>
    /// Whether the score micro-kernel should hand each row its max, so that the row step need not read the scores once
    /// more for it. Only for plain dot products, nothing added, masked, cut or capped (no bias, mask, window, softcap or
    /// ALiBi), whose max is the max of what the micro-kernel computed, and only when the scores also cannot overflow
    /// (<see cref="CannotOverflow"/>, checked per tile). At every size: without weights the fold was 2 to 4 % faster at
    /// 64², 512² x 8 heads and 1024² (in-process A/B, interleaved pairs) and 2 to 6 % at 2048² and 4096²; with weights
    /// within ±1 % at 512² and 1024². (It was once kept to problems past half the L2 on a measurement that, unknown to
    /// it, returned weights.)
    /// </summary>
    public bool FoldRowMax => AdditiveV is null && Bias is null && Mask is null && !HasKeyRange && Softcap == T.Zero && AlibiSlopes is null;

    /// <summary>
    /// Whether no score of queries (already scaled) whose largest magnitude is <paramref name="maxQuery"/> against keys
    /// whose largest is <paramref name="maxKey"/> can overflow, not even a partial sum: |q · k| ≤ d · max|q| · max|k|,
    /// with a margin of 4 for rounding.
    /// </summary>
    public bool CannotOverflow(T maxQuery, T maxKey)
    {
        var bound = T.CreateTruncating(D) * maxQuery * maxKey;
        var largest = typeof(T) == typeof(float) ? T.CreateTruncating(float.MaxValue) : T.CreateTruncating(double.MaxValue);
        return T.IsFinite(bound) && bound < largest / T.CreateTruncating(4);
    }

    /// <summary>Floating-point operations of the two matrix products, as benchmarks count them.</summary>
    public double Flops => 2.0 * Batch * Heads * N * M * (D + Dv) * (Causal ? 0.5 : 1.0);
}
