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
        var head = HeadOffsets.Of(p, bh, packed.ValueHeadStride);
        int m = p.M, d = p.D, dv = p.Dv;
        int brPad = shape.RowsPadded(rows), bc = shape.KeyTile, dvPad = shape.DvPadded;
        var additive = p.AdditiveV is not null;
        var tiles = (m + bc - 1) / bc;

        // Query rows, scaled once here so the score epilogue need not (additive scales after tanh). For the dot-product
        // family they are interleaved by blocks of RowBlock rows, [block][d][RowBlock], so the micro-kernel walks one
        // pointer with constant offsets; additive keeps plain rows.
        var qs = s.Q.AsSpan(0, brPad * d);
        var qSource = p.Q.AsSpan((int)(head.Query + ((long)i0 * d)), rows * d);
        var largestQuery = T.PositiveInfinity; // the largest scaled query, for the overflow bound of plain scores
        if (additive)
        {
            qSource.CopyTo(qs);
            qs[(rows * d)..].Clear();
        }
        else
        {
            largestQuery = MicroKernels<T, TVec, TOps>.PackQueries(qSource, qs, rows, brPad, d, p.Scale);
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

        // Causal and the window bound the keys any row of the span may attend: only the tiles that meet
        // [first key of the first row, last key of the last row] are computed, so work scales with the window.
        var rowBase = head.Output / dv;
        ScoreVariants<T>.StartRows(p, rowBase + i0, rows);
        var tileStart = Math.Max(keyStart, p.FirstKey(i0) / bc * bc);
        var tileEnd = Math.Min(keyEnd, p.LastKey(i0 + rows - 1) + 1);
        RowSteps<T, TVec, TOps>.ZeroWeights(weights, head.Weights, m, i0, rows, keyStart, Math.Max(0, Math.Min(tileStart, keyEnd) - keyStart));
        RowSteps<T, TVec, TOps>.ZeroWeights(weights, head.Weights, m, i0, rows, Math.Max(tileEnd, keyStart), keyEnd - Math.Max(tileEnd, keyStart));

        // Keys outermost: each key tile (hot in L2 once scored) serves every query tile of the span before the next.
        var queryTile = shape.QueryTile;
        for (int t = tileStart / bc, j0 = tileStart; j0 < tileEnd; t++, j0 += bc)
        {
            var cols = Math.Min(bc, keyEnd - j0);
            ct.ThrowIfCancellationRequested();
            for (var q0 = 0; q0 < rows; q0 += queryTile)
            {
                var qRows = Math.Min(queryTile, rows - q0);
                if (j0 > p.LastKey(i0 + q0 + qRows - 1) || j0 + cols - 1 < p.FirstKey(i0 + q0))
                {
                    RowSteps<T, TVec, TOps>.ZeroWeights(weights, head.Weights, m, i0 + q0, qRows, j0, cols);
                    continue; // causal or the window leaves these rows nothing in this tile
                }

                if (p.Mask is not null && !RowOps<T, TVec, TOps>.AnyAllowed(p.Mask.AsSpan((int)(head.Mask + ((long)(i0 + q0) * m))), m, qRows, j0, cols))
                {
                    RowSteps<T, TVec, TOps>.ZeroWeights(weights, head.Weights, m, i0 + q0, qRows, j0, cols);
                    continue;
                }

                QueryTileStep(p, in shape, packed, in head, s, qs.Slice(q0 * d), o.Slice(q0 * dvPad), i0 + q0, qRows, q0, t, j0, cols, largestQuery, ct);
            }
        }

        if (partial is not null)
        {
            partial.Store(slot, o, rowMax, rowSum, rows, dv, dvPad);
            return;
        }

        var output = p.Output.AsSpan((int)(head.Output + ((long)i0 * dv)), rows * dv);
        for (var r = 0; r < rows; r++)
        {
            var weightsRow = weights is null ? default : weights.AsSpan((int)(head.Weights + ((long)(i0 + r) * m)), m);
            var tileMaxes = weights is null ? default : s.TileMax.AsSpan(r * tiles, tiles);
            RowSteps<T, TVec, TOps>.Finish(o.Slice(r * dvPad, dvPad), rowMax[r], rowSum[r], output.Slice(r * dv, dv), weightsRow, tileMaxes, bc);
            ScoreVariants<T>.FinishRow(p, rowBase + i0 + r, rowMax[r], rowSum[r]);
        }
    }

    /// <summary>
    /// One query tile (rows <c>[i, i + rows)</c>, local row <paramref name="r0"/> of the span) against key tile
    /// <paramref name="t"/>: score, the row steps, then P·V into the tile's output rows.
    /// </summary>
    private static void QueryTileStep(
        CoreProblem<T> p, in TileShape shape, PackedInputs<T> packed, in HeadOffsets head, Scratch<T> s, Span<T> qs, Span<T> o,
        int i, int rows, int r0, int t, int j0, int cols, T largestQuery, CancellationToken ct)
    {
        int m = p.M, bcPad = shape.KeyTilePadded, dvPad = shape.DvPadded, brPad = shape.RowsPadded(rows), tiles = shape.KeyTiles(m);
        var sTile = s.S.AsSpan(0, brPad * bcPad);
        var w = TOps.Count;
        Span<T> rowMaxes = default;
        if (p.AdditiveV is not null)
        {
            AdditiveScoring.ScoreTile(p, s, qs, head.Key, j0, rows, cols, bcPad, ct);
        }
        else
        {
            var keys = s.Keys.Tile(p, shape, head.KvHead, t);
            // Plain rows whose scores cannot overflow get their max from the micro-kernel (whole column blocks only: a
            // padded block would fold its zero scores in).
            if (p.FoldRowMax && cols % (2 * w) == 0 && p.CannotOverflow(largestQuery, s.Keys.Largest(t)))
            {
                rowMaxes = s.ScoreMax.AsSpan(0, brPad * w);
                rowMaxes.Fill(T.NegativeInfinity);
            }

            MicroKernels<T, TVec, TOps>.ScoreTile(qs, keys, 0, sTile, brPad, p.D, cols, bcPad, rowMaxes);
        }

        // Causal and the window leave these rows only columns [c0, c0 + span) of the tile (c0 whole vectors in): the row
        // steps and P·V run over those alone, so a narrow window does not pay for whole tiles.
        var weights = p.Weights;
        var rowBase = head.Output / p.Dv;
        var slope = p.AlibiSlopes is null ? T.Zero : p.AlibiSlopes[(int)(rowBase / p.N % p.Heads)];
        var c0 = p.HasKeyRange ? Math.Clamp(p.FirstKey(i) - j0, 0, cols) / TOps.Count * TOps.Count : 0;
        var span = p.HasKeyRange ? Math.Clamp(p.LastKey(i + rows - 1) - j0 + 1, c0, cols) - c0 : cols;
        var jc = j0 + c0;
        RowSteps<T, TVec, TOps>.ZeroWeights(weights, head.Weights, m, i, rows, j0, c0);
        RowSteps<T, TVec, TOps>.ZeroWeights(weights, head.Weights, m, i, rows, jc + span, cols - c0 - span);
        for (var r = 0; r < rows; r++)
        {
            var row = sTile.Slice((r * bcPad) + c0, TileShape.RoundUp(span, TOps.Count));
            var cell = ((long)(i + r) * m) + jc;
            var mask = p.Mask is null ? default : p.Mask.AsSpan((int)(head.Mask + cell), span);
            var bias = p.Bias is null ? default : p.Bias.AsSpan((int)(head.Bias + cell), span);
            if (p.Softcap > T.Zero)
            {
                ScoreVariants<T>.Softcap(row[..span], p.Softcap);
            }

            if (p.AlibiSlopes is not null)
            {
                ScoreVariants<T>.Alibi(row[..span], slope, (long)i + r + p.PositionOffset, jc);
            }

            T? knownMax = rowMaxes.IsEmpty ? null : TOps.MaxAcross(TOps.Load(ref rowMaxes[r * w]));
            var tileMax = RowSteps<T, TVec, TOps>.Epilogue(row, span, p.FirstKey(i + r), p.LastKey(i + r), jc, mask, bias, p.Mask is not null, knownMax);
            var weightsRow = weights is null ? default : weights.AsSpan((int)(head.Weights + cell), span);
            var local = r0 + r;
            var (oldMax, oldSum) = (s.RowMax[local], s.RowSum[local]);
            ScoreVariants<T>.BeforeExp(p, rowBase + i + r, row[..span], jc);
            RowSteps<T, TVec, TOps>.Accumulate(
                row, span, tileMax, ref s.RowMax[local], ref s.RowSum[local], o.Slice(r * dvPad, dvPad), weightsRow, ref s.TileMax[(local * tiles) + t], tiles == 1);
            ScoreVariants<T>.AfterExp(p, rowBase + i + r, row[..span], oldMax, oldSum, s.RowMax[local]);
        }

        sTile[(rows * bcPad)..].Clear();
        MicroKernels<T, TVec, TOps>.ValueTile(
            sTile[c0..], packed.Values, head.Value + ((long)jc * dvPad), o, MicroKernels<T, TVec, TOps>.PvRowsPadded(rows), span, bcPad, dvPad);
        Interlocked.Increment(ref EngineCounters.TilesComputedField);
    }
}
