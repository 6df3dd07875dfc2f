using System.Numerics;
using System.Numerics.Tensors;

namespace AttentionService.Engine.Kernels;

/// <summary>The small dense products and row transforms around the attention kernel (projections, normalization).</summary>
internal static class LinearAlgebra
{
    /// <summary>C[rows, p] = A[rows, k] · B[k, p], row by row with vectorized multiply-adds along p.</summary>
    public static void MatMul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int rows, int k, int p, CancellationToken ct = default)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (var i = 0; i < rows; i++)
        {
            ct.ThrowIfCancellationRequested();
            var cRow = c.Slice(i * p, p);
            cRow.Clear();
            var aRow = a.Slice(i * k, k);
            for (var x = 0; x < k; x++)
            {
                if (aRow[x] != T.Zero)
                {
                    TensorPrimitives.MultiplyAdd(b.Slice(x * p, p), aRow[x], cRow, cRow);
                }
            }
        }
    }

    /// <summary>C[rows, p] = A[rows, k] · Bᵀ for B[p, k] (a PyTorch Linear weight), plus an optional bias[p].</summary>
    public static void MatMulTransposed<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> c, int rows, int k, int p, CancellationToken ct = default)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var bt = BufferPool.Rent<T>(k * p);
        try
        {
            for (var o = 0; o < p; o++)
            {
                for (var x = 0; x < k; x++)
                {
                    bt[(x * p) + o] = b[(o * k) + x];
                }
            }

            MatMul(a, bt.AsSpan(0, k * p), c, rows, k, p, ct);
            if (!bias.IsEmpty)
            {
                for (var i = 0; i < rows; i++)
                {
                    TensorPrimitives.Add(c.Slice(i * p, p), bias, c.Slice(i * p, p));
                }
            }
        }
        finally
        {
            BufferPool.Return(bt);
        }
    }

    /// <summary>
    /// Each row divided by max(its norm, 1e-8), after subtracting its mean when <paramref name="center"/>.
    /// The norm is taken of the row divided by its largest magnitude, so huge rows do not overflow.
    /// </summary>
    public static void NormalizeRows<T>(ReadOnlySpan<T> source, Span<T> destination, int rows, int d, bool center)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var floor = T.CreateTruncating(1e-8);
        for (var i = 0; i < rows; i++)
        {
            var src = source.Slice(i * d, d);
            var dst = destination.Slice(i * d, d);
            if (center)
            {
                var sum = 0.0;
                foreach (var x in src)
                {
                    sum += double.CreateTruncating(x);
                }

                TensorPrimitives.Subtract(src, T.CreateTruncating(sum / d), dst);
            }
            else
            {
                src.CopyTo(dst);
            }

            var largest = T.Abs(TensorPrimitives.MaxMagnitude<T>(dst));
            if (largest == T.Zero)
            {
                continue; // a zero (or constant, once centred) row scores 0 against everything
            }

            TensorPrimitives.Divide(dst, largest, dst);
            var norm = TensorPrimitives.Norm<T>(dst) * largest;
            TensorPrimitives.Multiply(dst, largest / T.Max(norm, floor), dst);
        }
    }
}
