using System.Numerics;
using System.Numerics.Tensors;
using AttentionService.Engine.Kernels;

namespace AttentionService.Engine;

public sealed partial class AttentionEngine
{
    internal AttentionResult<T> Solve<T>(MultiheadProblem<T> problem, CancellationToken cancellationToken)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var unbatched = problem.Query.Rank == 2;
        int batch = unbatched ? 1 : problem.Query.Dim(0), n = problem.Query.Dim(-2), e = problem.Query.Dim(-1);
        int m = problem.Key.Dim(-2), kdim = problem.Key.Dim(-1), vdim = problem.Value.Dim(-1);
        int heads = problem.NumHeads, hd = e / heads;
        var temporaries = new List<T[]>();
        T[] Temp(int length)
        {
            var array = BufferPool.Rent<T>(Math.Max(length, 1));
            temporaries.Add(array);
            return array;
        }

        TensorData<T>? output = null, weights = null;
        bool[]? mask = null;
        var variants = problem.Variants ?? AttentionVariants.None;
        using var rowOutputs = new RowOutputs<T>(variants, unbatched ? [heads, n] : [batch, heads, n], topKInKernel: false);
        try
        {
            // Project, then lay the heads out as [B, H, rows, hd] for the kernel.
            var ct = cancellationToken;
            var qh = SplitHeads(Project(problem.Query.Span, problem.QProjWeight, problem.QProjBias, batch * n, e, e, Temp, ct), batch, n, heads, hd, Temp);
            var kh = SplitHeads(Project(problem.Key.Span, problem.KProjWeight, problem.KProjBias, batch * m, kdim, e, Temp, ct), batch, m, heads, hd, Temp);
            var vh = SplitHeads(Project(problem.Value.Span, problem.VProjWeight, problem.VProjBias, batch * m, vdim, e, Temp, ct), batch, m, heads, hd, Temp);
            long maskBatchStride = 0;
            if (problem.KeyLengths is not null)
            {
                mask = BufferPool.Rent<bool>(batch * n * m);
                for (var b = 0; b < batch; b++)
                {
                    for (var i = 0; i < n; i++)
                    {
                        var row = mask.AsSpan(((b * n) + i) * m, m);
                        if (problem.Mask is null)
                        {
                            row.Fill(true);
                        }
                        else
                        {
                            problem.Mask.Span.Slice(i * m, m).CopyTo(row);
                        }

                        row[problem.KeyLengths[b]..].Clear();
                    }
                }

                maskBatchStride = (long)n * m;
            }

            var attended = Temp(batch * heads * n * hd);
            var headWeights = problem.ComputesWeights ? Temp(batch * heads * n * m) : null;
            Run(
                new CoreProblem<T>
                {
                    Batch = batch,
                    Heads = heads,
                    KvHeads = heads,
                    N = n,
                    M = m,
                    D = hd,
                    Dv = hd,
                    Q = qh,
                    K = kh,
                    V = vh,
                    Scale = T.One / T.Sqrt(T.CreateTruncating(hd)),
                    Causal = problem.Causal,
                    Mask = mask ?? problem.Mask?.Array,
                    MaskBatchStride = maskBatchStride,
                    Bias = problem.Bias?.Array,
                    Output = attended,
                    Weights = headWeights,
                    PositionOffset = variants.Alignment == Alignment.BottomRight ? m - n : 0,
                    WindowLeft = variants.Window?.Left ?? -1,
                    WindowRight = variants.Window?.Right ?? -1,
                    Softcap = T.CreateTruncating(variants.Softcap ?? 0),
                    AlibiSlopes = variants.Alibi ? Slopes<T>(heads) : null,
                    LogSumExp = rowOutputs.LogSumExp?.Array,
                    Entropy = rowOutputs.Entropy?.Array,
                    MaxAbsScore = rowOutputs.MaxAbs,
                },
                cancellationToken);

            var concat = Temp(batch * n * e);
            MergeHeads(attended, concat, batch, n, heads, hd);
            output = TensorData.Rent<T>(unbatched ? [n, e] : [batch, n, e]);
            LinearAlgebra.MatMulTransposed<T>(concat.AsSpan(0, batch * n * e), problem.OutProjWeight.Span, BiasOf(problem.OutProjBias), output.Span, batch * n, e, e, cancellationToken);
            if (!TensorPrimitives.IsFiniteAll<T>(output.Span))
            {
                throw AttentionOverflowException.For<T>();
            }
            if (headWeights is not null)
            {
                weights = problem.AverageWeights
                    ? TensorData.Rent<T>(unbatched ? [n, m] : [batch, n, m])
                    : TensorData.Rent<T>(unbatched ? [heads, n, m] : [batch, heads, n, m]);
                if (problem.AverageWeights)
                {
                    AverageHeads(headWeights, weights.Span, batch, heads, n * m);
                }
                else
                {
                    headWeights.AsSpan(0, weights.Length).CopyTo(weights.Span);
                }
            }

            if (variants.WeightsTopK is { } k && weights is not null)
            {
                (rowOutputs.TopKIndices, rowOutputs.TopKValues) = DenseTopK.Of(weights, k);
                weights.Dispose();
                weights = null;
            }

            var result = rowOutputs.Result(output, weights, Scoring.ScaledDot, 1.0 / Math.Sqrt(hd), KernelPath);
            output = weights = null;
            return result;
        }
        finally
        {
            output?.Dispose();
            weights?.Dispose();
            if (mask is not null)
            {
                BufferPool.Return(mask);
            }

            foreach (var array in temporaries)
            {
                BufferPool.Return(array);
            }
        }
    }

    private static ReadOnlySpan<T> BiasOf<T>(TensorData<T>? bias) where T : unmanaged => bias is null ? default : bias.Span;

    private static T[] Project<T>(ReadOnlySpan<T> x, TensorData<T> weight, TensorData<T>? bias, int rows, int inDim, int e, Func<int, T[]> temp, CancellationToken ct)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var y = temp(rows * e);
        LinearAlgebra.MatMulTransposed(x, weight.Span, BiasOf(bias), y, rows, inDim, e, ct);
        return y;
    }

    /// <summary>[B, rows, H·hd] to [B, H, rows, hd].</summary>
    private static T[] SplitHeads<T>(T[] x, int batch, int rows, int heads, int hd, Func<int, T[]> temp) where T : unmanaged
    {
        var y = temp(batch * heads * rows * hd);
        for (var b = 0; b < batch; b++)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var h = 0; h < heads; h++)
                {
                    x.AsSpan((((b * rows) + r) * heads * hd) + (h * hd), hd).CopyTo(y.AsSpan((((b * heads) + h) * rows + r) * hd, hd));
                }
            }
        }

        return y;
    }

    /// <summary>[B, H, n, hd] to [B, n, H·hd].</summary>
    private static void MergeHeads<T>(T[] x, T[] y, int batch, int n, int heads, int hd) where T : unmanaged
    {
        for (var b = 0; b < batch; b++)
        {
            for (var h = 0; h < heads; h++)
            {
                for (var i = 0; i < n; i++)
                {
                    x.AsSpan((((b * heads) + h) * n + i) * hd, hd).CopyTo(y.AsSpan((((b * n) + i) * heads * hd) + (h * hd), hd));
                }
            }
        }
    }

    private static void AverageHeads<T>(T[] perHead, Span<T> averaged, int batch, int heads, int block)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var inverse = T.One / T.CreateTruncating(heads);
        for (var b = 0; b < batch; b++)
        {
            var dst = averaged.Slice(b * block, block);
            perHead.AsSpan(b * heads * block, block).CopyTo(dst);
            for (var h = 1; h < heads; h++)
            {
                TensorPrimitives.Add(dst, perHead.AsSpan(((b * heads) + h) * block, block), dst);
            }

            TensorPrimitives.Multiply(dst, inverse, dst);
        }
    }
}
