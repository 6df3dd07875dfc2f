using System.Numerics;

namespace AttentionService.Engine.Kernels;

/// <summary>Where the rows of head <c>bh</c> (batch-major) start in each of the problem's arrays, in elements.</summary>
internal readonly record struct HeadOffsets(int KvHead, long Query, long Key, long Value, long Output, long Weights, long Mask, long Bias)
{
    /// <param name="p">The problem.</param>
    /// <param name="bh">The head, counted over batch and heads.</param>
    /// <param name="valueHeadStride">Elements between the value rows of consecutive key/value heads (padded or not).</param>
    public static HeadOffsets Of<T>(CoreProblem<T> p, int bh, long valueHeadStride) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int b = bh / p.Heads, h = bh % p.Heads;
        var kvHead = (b * p.KvHeads) + (h / p.GroupSize);
        return new HeadOffsets(
            kvHead,
            (long)bh * p.N * p.D,
            (long)kvHead * p.M * p.D,
            kvHead * valueHeadStride,
            (long)bh * p.N * p.Dv,
            (long)bh * p.N * p.M,
            (b * p.MaskBatchStride) + (h * p.MaskHeadStride),
            (b * p.BiasBatchStride) + (h * p.BiasHeadStride));
    }
}
