using System.Numerics;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Flash-style attention for one block of query rows of one head, as a loop over key tiles: each tile is scored by a
/// micro-kernel (<see cref="MicroKernels{T, TVec, TOps}"/>, or <see cref="AdditiveScoring"/>), each of its rows goes
/// through the <see cref="RowSteps{T, TVec, TOps}.Epilogue"/> and the online softmax
/// (<see cref="RowSteps{T, TVec, TOps}.Accumulate"/>), and a second micro-kernel accumulates P·V. No N x M buffer exists
/// unless weights are returned, in which case the same tiles write them and <see cref="RowSteps{T, TVec, TOps}.Finish"/>
/// rescales each tile to the final max and sum.
/// </summary>
internal static class FlashKernel<T, TVec, TOps>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVec : struct
    where TOps : struct, ISimd<TVec, T>
{
    /// <summary>
    /// Attends rows <c>[i0, i0 + rows)</c> of head <paramref name="bh"/> to keys <c>[keyStart, keyEnd)</c>. With
    /// <paramref name="partial"/> the unnormalized output, running max and sum go to its slot for a later merge;
    /// otherwise the rows are normalized and written out (with their weights).
    /// </summary>
    public static void Run(
        CoreProblem<T> p, in TileShape shape, PackedInputs<T> packed, int bh, int i0, int rows, int keyStart, int keyEnd,
        Scratch<T> s, PartialResults<T>? partial, int slot, CancellationToken ct)
    {
        int b = bh / p.Heads, h = bh % p.Heads, kvh = h / p.GroupSize;
        var bkv = (b * p.KvHeads) + kvh;
        int n = p.N, m = p.M, d = p.D, dv = p.Dv;
        int brPad = shape.RowsPadded(rows), bc = shape.KeyTile, bcPad = shape.KeyTilePadded, dvPad = shape.DvPadded;
        var qOff = (((long)b * p.Heads) + h) * n * d;
        var kOff = (((long)b * p.KvHeads) + kvh) * m * d;
        var vOff = bkv * packed.ValueHeadStride;
        var oOff = (((long)b * p.Heads) + h) * n * dv;
        var wOff = (((long)b * p.Heads) + h) * n * m;
        var maskOff = (b * p.MaskBatchStride) + (h * p.MaskHeadStride);
        var biasOff = (b * p.BiasBatchStride) + (h * p.BiasHeadStride);
        var additive = p.AdditiveV is not null;
        var tiles = (m + bc - 1) / bc;

        // Query rows, scaled once here so the score epilogue need not (additive scales after tanh). For the dot-product
        // family they are interleaved by blocks of RowBlock rows, [block][d][RowBlock], so the micro-kernel walks one
        // pointer with constant offsets; additive keeps plain rows.
        var qs = s.Q.AsSpan(0, brPad * d);
        var qSource = p.Q.AsSpan((int)(qOff + ((long)i0 * d)), rows * d);
        if (additive)
        {
            qSource.CopyTo(qs);
            qs[(rows * d)..].Clear();
        }
        else
        {
            MicroKernels<T, TVec, TOps>.PackQueries(qSource, qs, rows, brPad, d, p.Scale);
        }

        var o = s.O.AsSpan(0, brPad * dvPad);
        o.Clear();
        var rowMax = s.RowMax.AsSpan(0, brPad);
        var rowSum = s.RowSum.AsSpan(0, brPad);
        rowMax.Fill(T.NegativeInfinity);
        rowSum.Clear();
        var weights = p.Weights;
        if (weights is not null)
        {
            s.TileMax.AsSpan(0, rows * tiles).Fill(T.NegativeInfinity);
        }

        // Causal and the window bound the keys any row of the block may attend: only the tiles that meet
        // [first key of the first row, last key of the last row] are computed, so work scales with the window.
        var rowBase = (((long)b * p.Heads) + h) * n;
        var lastRow = i0 + rows - 1;
        var slope = p.AlibiSlopes is null ? T.Zero : p.AlibiSlopes[h];
        ScoreVariants<T>.StartRows(p, rowBase + i0, rows);
        var tileStart = Math.Max(keyStart, p.FirstKey(i0) / bc * bc);
        var tileEnd = Math.Min(keyEnd, p.LastKey(lastRow) + 1);
        RowSteps<T, TVec, TOps>.ZeroWeights(weights, wOff, m, i0, rows, keyStart, Math.Max(0, Math.Min(tileStart, keyEnd) - keyStart));
        RowSteps<T, TVec, TOps>.ZeroWeights(weights, wOff, m, i0, rows, Math.Max(tileEnd, keyStart), keyEnd - Math.Max(tileEnd, keyStart));
        for (int t = tileStart / bc, j0 = tileStart; j0 < tileEnd; t++, j0 += bc)
        {
            var cols = Math.Min(bc, keyEnd - j0);
            if (p.Mask is not null && !RowOps<T, TVec, TOps>.AnyAllowed(p.Mask.AsSpan((int)(maskOff + ((long)i0 * m))), m, rows, j0, cols))
            {
                RowSteps<T, TVec, TOps>.ZeroWeights(weights, wOff, m, i0, rows, j0, cols);
                continue;
            }

            ct.ThrowIfCancellationRequested();
            var sTile = s.S.AsSpan(0, brPad * bcPad);
            if (additive)
            {
                AdditiveScoring.ScoreTile(p, s, qs, kOff, j0, rows, cols, bcPad, ct);
            }
            else
            {
                MicroKernels<T, TVec, TOps>.ScoreTile(qs, packed.Keys, packed.KeyTileOffset(bkv, t), sTile, brPad, d, bcPad);
            }

            // Causal and the window leave the block only columns [c0, c0 + span) of this tile (c0 whole vectors in): the
            // row steps and P·V run over those alone, so a narrow window does not pay for whole tiles.
            var c0 = p.HasKeyRange ? Math.Clamp(p.FirstKey(i0) - j0, 0, cols) / TOps.Count * TOps.Count : 0;
            var span = p.HasKeyRange ? Math.Clamp(p.LastKey(lastRow) - j0 + 1, c0, cols) - c0 : cols;
            var jc = j0 + c0;
            RowSteps<T, TVec, TOps>.ZeroWeights(weights, wOff, m, i0, rows, j0, c0);
            RowSteps<T, TVec, TOps>.ZeroWeights(weights, wOff, m, i0, rows, jc + span, cols - c0 - span);
            for (var r = 0; r < rows; r++)
            {
                var i = i0 + r;
                var row = sTile.Slice((r * bcPad) + c0, TileShape.RoundUp(span, TOps.Count));
                var mask = p.Mask is null ? default : p.Mask.AsSpan((int)(maskOff + ((long)i * m) + jc), span);
                var bias = p.Bias is null ? default : p.Bias.AsSpan((int)(biasOff + ((long)i * m) + jc), span);
                if (p.Softcap > T.Zero)
                {
                    ScoreVariants<T>.Softcap(row[..span], p.Softcap);
                }

                if (p.AlibiSlopes is not null)
                {
                    ScoreVariants<T>.Alibi(row[..span], slope, (long)i + p.PositionOffset, jc);
                }

                var tileMax = RowSteps<T, TVec, TOps>.Epilogue(row, span, p.FirstKey(i), p.LastKey(i), jc, mask, bias, p.Mask is not null);
                var (oldMax, oldSum) = (rowMax[r], rowSum[r]);
                ScoreVariants<T>.BeforeExp(p, rowBase + i, row[..span], jc);
                var weightsRow = weights is null ? default : weights.AsSpan((int)(wOff + ((long)i * m) + jc), span);
                RowSteps<T, TVec, TOps>.Accumulate(
                    row, span, tileMax, ref rowMax[r], ref rowSum[r], o.Slice(r * dvPad, dvPad), weightsRow, ref s.TileMax[(r * tiles) + t]);
                ScoreVariants<T>.AfterExp(p, rowBase + i, row[..span], oldMax, oldSum, rowMax[r]);
            }

            sTile[(rows * bcPad)..].Clear();
            MicroKernels<T, TVec, TOps>.ValueTile(
                sTile[c0..], packed.Values, vOff + ((long)jc * dvPad), o, MicroKernels<T, TVec, TOps>.PvRowsPadded(rows), span, bcPad, dvPad);
            Interlocked.Increment(ref EngineCounters.TilesComputedField);
        }

        if (partial is not null)
        {
            partial.Store(slot, o, rowMax, rowSum, rows, dv, dvPad);
            return;
        }

        var output = p.Output.AsSpan((int)(oOff + ((long)i0 * dv)), rows * dv);
        for (var r = 0; r < rows; r++)
        {
            var weightsRow = weights is null ? default : weights.AsSpan((int)(wOff + ((long)(i0 + r) * m)), m);
            var tileMaxes = weights is null ? default : s.TileMax.AsSpan(r * tiles, tiles);
            RowSteps<T, TVec, TOps>.Finish(o.Slice(r * dvPad, dvPad), rowMax[r], rowSum[r], output.Slice(r * dv, dv), weightsRow, tileMaxes, bc);
            ScoreVariants<T>.FinishRow(p, rowBase + i0 + r, rowMax[r], rowSum[r]);
        }
    }
}
