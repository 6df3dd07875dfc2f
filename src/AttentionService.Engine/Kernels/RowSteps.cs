using System.Numerics;
using System.Numerics.Tensors;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// The per-row steps of the tile loops, in the order a row of one key tile goes through them:
/// <see cref="Epilogue"/> turns raw scores into masked scores (the place for per-score variants),
/// <see cref="Accumulate"/> folds them into the running softmax, and <see cref="Finish"/> normalizes the row once every
/// key tile is done. Scores stay in natural units, so float32 keeps its whole range; exponentials are
/// 2^((s - max)·log2 e), the cheapest form.
/// </summary>
internal static class RowSteps<T, TVec, TOps>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVec : struct
    where TOps : struct, ISimd<TVec, T>
{
    /// <summary>
    /// Scores of one query against keys <c>[j0, j0 + cols)</c> (already scaled, softcapped and with ALiBi) become the
    /// scores the softmax sees: + bias, overflow checked, mask applied and keys outside <c>[first, last]</c> (causal,
    /// window) set to -inf, padding past <paramref name="cols"/> set to -inf. <paramref name="mask"/> and
    /// <paramref name="bias"/> are this row's slices (empty when absent). Returns the row's maximum (-inf when nothing is
    /// allowed). <paramref name="knownMax"/>, when the score micro-kernel found it, is returned as it is: the caller
    /// passes it only for rows with no bias, mask or cut whose scores cannot overflow (<see cref="CoreProblem{T}.FoldRowMax"/>, <see cref="CoreProblem{T}.CannotOverflow"/>).
    /// </summary>
    public static T Epilogue(Span<T> row, int cols, int first, int last, int j0, ReadOnlySpan<bool> mask, ReadOnlySpan<T> bias, bool hasMask, T? knownMax = null)
    {
        row[cols..].Fill(T.NegativeInfinity);
        if (knownMax is { } max)
        {
            return max;
        }

        if (!bias.IsEmpty)
        {
            TensorPrimitives.Add(row[..cols], bias, row[..cols]);
        }

        // One pass before masking: a non-finite score means one overflowed, which is an error where the query may
        // attend; without mask or causal the max is also the row max the softmax needs.
        var (tileMax, finite) = RowOps<T, TVec, TOps>.MaxChecked(row, cols);
        if (!finite)
        {
            var from = Math.Clamp(first - j0, 0, cols);
            RowOps<T, TVec, TOps>.ThrowIfAllowedOverflow(row[from..cols], mask.IsEmpty ? mask : mask[from..], last - j0 - from);
        }

        var headCut = first > j0;
        var tailCut = last - j0 + 1 < cols;
        if (hasMask)
        {
            RowOps<T, TVec, TOps>.ApplyMask(row, mask);
        }

        if (headCut)
        {
            row[..Math.Min(first - j0, cols)].Fill(T.NegativeInfinity);
        }

        if (tailCut)
        {
            row[Math.Clamp(last - j0 + 1, 0, cols)..cols].Fill(T.NegativeInfinity);
        }

        return hasMask || headCut || tailCut ? RowOps<T, TVec, TOps>.Max(row) : tileMax;
    }

    /// <summary>
    /// Online softmax: the row becomes e^(s - max) with the running max and sum updated and the output row rescaled when
    /// the max moved. The unnormalized row goes to <paramref name="weights"/> (when returned) with its max in
    /// <paramref name="weightsMax"/>, for <see cref="Finish"/> to rescale; when the tile is the <paramref name="wholeRow"/>,
    /// its weights are final at once (divided by the sum), no max is kept and <see cref="Finish"/> leaves them.
    /// </summary>
    public static void Accumulate(Span<T> row, int cols, T tileMax, ref T rowMax, ref T rowSum, Span<T> o, Span<T> weights, ref T weightsMax, bool wholeRow)
    {
        var mOld = rowMax;
        var mNew = T.Max(mOld, tileMax);
        if (T.IsNegativeInfinity(mNew))
        {
            row.Clear(); // nothing allowed so far: this row contributes nothing yet
            weights.Clear();
            return;
        }

        var sum = RowOps<T, TVec, TOps>.Exp2AndSum(row, mNew);
        // Once the running max settles it rarely moves: skip the exponential when it does not. When it does, the vector
        // exp2 of one lane (T.Exp2 is MathF.Pow, a libm call, several times slower).
        var alpha = mNew == mOld ? T.One : T.IsNegativeInfinity(mOld) ? T.Zero : RowOps<T, TVec, TOps>.Exp2((mOld - mNew) * RowOps<T, TVec, TOps>.Log2E);
        rowSum = (rowSum * alpha) + sum;
        rowMax = mNew;
        // A row's first allowed tile has nothing to rescale: its output row is still the zeros it started as.
        if (alpha != T.One && !T.IsNegativeInfinity(mOld))
        {
            RowOps<T, TVec, TOps>.Scale(o, alpha);
        }

        if (weights.IsEmpty)
        {
            return;
        }

        if (wholeRow)
        {
            TensorPrimitives.Multiply(row[..cols], T.One / rowSum, weights);
        }
        else
        {
            row[..cols].CopyTo(weights);
            weightsMax = mNew;
        }
    }

    /// <summary>
    /// output = o / sum; each key tile's weights are brought from their tile's max to the row's final max and divided by
    /// the sum. A row that saw no allowed key gives zeros. Throws <see cref="AttentionOverflowException"/> when an output
    /// is not finite (values so large that their weighted sum overflowed).
    /// </summary>
    public static void Finish(ReadOnlySpan<T> o, T rowMax, T rowSum, Span<T> output, Span<T> weights, ReadOnlySpan<T> tileMaxes, int keyTile)
    {
        var inv = rowSum > T.Zero ? T.One / rowSum : T.Zero;
        if (!RowOps<T, TVec, TOps>.ScaleInto(o, inv, output))
        {
            throw AttentionOverflowException.For<T>();
        }

        if (weights.IsEmpty || rowSum <= T.Zero)
        {
            return;
        }

        for (var t = 0; t < tileMaxes.Length; t++)
        {
            var tm = tileMaxes[t];
            if (!T.IsNegativeInfinity(tm))
            {
                var seg = weights.Slice(t * keyTile, Math.Min(keyTile, weights.Length - (t * keyTile)));
                TensorPrimitives.Multiply(seg, T.Exp2((tm - rowMax) * RowOps<T, TVec, TOps>.Log2E) * inv, seg);
            }
        }
    }

    /// <summary>Weights of skipped tiles are zero; every other weight is written by its tile, so no up-front clear.</summary>
    public static void ZeroWeights(T[]? weights, long wOff, int m, int i0, int rows, int j0, int cols)
    {
        if (weights is null)
        {
            return;
        }

        for (var r = 0; r < rows; r++)
        {
            weights.AsSpan((int)(wOff + ((long)(i0 + r) * m) + j0), cols).Clear();
        }
    }
}
