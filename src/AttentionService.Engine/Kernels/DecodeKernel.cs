using System.Numerics;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Attention for the few query rows of one head that a decode step has (one new token against a long key/value cache):
/// keys and values are read once, straight from the problem's rows, with nothing padded to a query tile and nothing
/// packed. Each key tile is scored row by row (<see cref="MicroKernels{T, TVec, TOps}.ScoreRows"/>), goes through the
/// same row steps as <see cref="FlashKernel{T, TVec, TOps}"/> (<see cref="RowSteps{T, TVec, TOps}.Epilogue"/>,
/// <see cref="RowSteps{T, TVec, TOps}.Accumulate"/>, <see cref="RowSteps{T, TVec, TOps}.Finish"/>), and its value rows
/// are streamed into the output (<see cref="MicroKernels{T, TVec, TOps}.AccumulateValueRows"/>). The work is bound by
/// memory bandwidth, not by multiply-adds.
/// </summary>
internal static class DecodeKernel<T, TVec, TOps>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVec : struct
    where TOps : struct, ISimd<TVec, T>
{
    /// <summary>Query rows per head up to which this kernel runs instead of the tiled one.</summary>
    public const int MaxRows = 4;

    /// <summary>
    /// Attends every query row of head <paramref name="bh"/> to keys <c>[keyStart, keyEnd)</c>. With
    /// <paramref name="partial"/> the unnormalized output, running max and sum go to its slot for a later merge;
    /// otherwise the rows are normalized and written out (with their weights).
    /// </summary>
    public static void Run(
        CoreProblem<T> p, in TileShape shape, int bh, int keyStart, int keyEnd, Scratch<T> s, PartialResults<T>? partial, int slot, CancellationToken ct)
    {
        var head = HeadOffsets.Of(p, bh, (long)p.M * p.Dv);
        int rows = p.N, m = p.M, d = p.D, dv = p.Dv;
        int bc = shape.KeyTile, bcPad = shape.KeyTilePadded, dvPad = shape.DvPadded;
        long wOff = head.Weights, maskOff = head.Mask, biasOff = head.Bias;
        var tiles = (m + bc - 1) / bc;

        var qs = s.Q.AsSpan(0, rows * d);
        System.Numerics.Tensors.TensorPrimitives.Multiply(p.Q.AsSpan((int)head.Query, rows * d), p.Scale, qs);
        var o = s.O.AsSpan(0, rows * dvPad);
        o.Clear();
        var rowMax = s.RowMax.AsSpan(0, rows);
        var rowSum = s.RowSum.AsSpan(0, rows);
        rowMax.Fill(T.NegativeInfinity);
        rowSum.Clear();
        var weights = p.Weights;
        if (weights is not null)
        {
            s.TileMax.AsSpan(0, rows * tiles).Fill(T.NegativeInfinity);
        }

        // As in the tiled kernel: only the key tiles that causal and the window leave to some row are read.
        var rowBase = (long)bh * rows;
        var slope = p.AlibiSlopes is null ? T.Zero : p.AlibiSlopes[bh % p.Heads];
        ScoreVariants<T>.StartRows(p, rowBase, rows);
        var tileStart = Math.Max(keyStart, p.FirstKey(0) / bc * bc);
        var tileEnd = Math.Min(keyEnd, p.LastKey(rows - 1) + 1);
        RowSteps<T, TVec, TOps>.ZeroWeights(weights, wOff, m, 0, rows, keyStart, Math.Max(0, Math.Min(tileStart, keyEnd) - keyStart));
        RowSteps<T, TVec, TOps>.ZeroWeights(weights, wOff, m, 0, rows, Math.Max(tileEnd, keyStart), keyEnd - Math.Max(tileEnd, keyStart));
        for (int t = tileStart / bc, j0 = tileStart; j0 < tileEnd; t++, j0 += bc)
        {
            var cols = Math.Min(bc, keyEnd - j0);
            if (p.Mask is not null && !RowOps<T, TVec, TOps>.AnyAllowed(p.Mask.AsSpan((int)maskOff), m, rows, j0, cols))
            {
                RowSteps<T, TVec, TOps>.ZeroWeights(weights, wOff, m, 0, rows, j0, cols);
                continue;
            }

            ct.ThrowIfCancellationRequested();
            var sTile = s.S.AsSpan(0, rows * bcPad);
            MicroKernels<T, TVec, TOps>.ScoreRows(qs, p.K, head.Key + ((long)j0 * d), sTile, rows, cols, d, bcPad);
            for (var i = 0; i < rows; i++)
            {
                var row = sTile.Slice(i * bcPad, TileShape.RoundUp(cols, TOps.Count));
                var mask = p.Mask is null ? default : p.Mask.AsSpan((int)(maskOff + ((long)i * m) + j0), cols);
                var bias = p.Bias is null ? default : p.Bias.AsSpan((int)(biasOff + ((long)i * m) + j0), cols);
                if (p.Softcap > T.Zero)
                {
                    ScoreVariants<T>.Softcap(row[..cols], p.Softcap);
                }

                if (p.AlibiSlopes is not null)
                {
                    ScoreVariants<T>.Alibi(row[..cols], slope, (long)i + p.PositionOffset, j0);
                }

                var tileMax = RowSteps<T, TVec, TOps>.Epilogue(row, cols, p.FirstKey(i), p.LastKey(i), j0, mask, bias, p.Mask is not null);
                var (oldMax, oldSum) = (rowMax[i], rowSum[i]);
                ScoreVariants<T>.BeforeExp(p, rowBase + i, row[..cols], j0);
                var weightsRow = weights is null ? default : weights.AsSpan((int)(wOff + ((long)i * m) + j0), cols);
                RowSteps<T, TVec, TOps>.Accumulate(
                    row, cols, tileMax, ref rowMax[i], ref rowSum[i], o.Slice(i * dvPad, dvPad), weightsRow, ref s.TileMax[(i * tiles) + t], tiles == 1);
                ScoreVariants<T>.AfterExp(p, rowBase + i, row[..cols], oldMax, oldSum, rowMax[i]);
            }

            MicroKernels<T, TVec, TOps>.AccumulateValueRows(sTile, p.V, head.Value + ((long)j0 * dv), o, rows, cols, bcPad, dv, dvPad);
            Interlocked.Increment(ref EngineCounters.TilesComputedField);
        }

        if (partial is not null)
        {
            partial.Store(slot, o, rowMax, rowSum, rows, dv, dvPad);
            return;
        }

        var output = p.Output.AsSpan((int)head.Output, rows * dv);
        for (var i = 0; i < rows; i++)
        {
            var weightsRow = weights is null ? default : weights.AsSpan((int)(wOff + ((long)i * m)), m);
            var tileMaxes = weights is null ? default : s.TileMax.AsSpan(i * tiles, tiles);
            RowSteps<T, TVec, TOps>.Finish(o.Slice(i * dvPad, dvPad), rowMax[i], rowSum[i], output.Slice(i * dv, dv), weightsRow, tileMaxes, bc);
            ScoreVariants<T>.FinishRow(p, rowBase + i, rowMax[i], rowSum[i]);
        }
    }
}
