using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Flash-style attention for one block of query rows of one head: key tiles are scored by a register-blocked
/// micro-kernel, scale/bias/mask/causal are applied in the epilogue, an online softmax keeps a running max and sum
/// (scores stay in natural units, so float32 keeps its whole range; exponentials are 2^((s - max)·log2 e), the
/// cheapest form),
/// and a second micro-kernel accumulates P·V. No N x M buffer exists unless weights are returned, in which case the
/// same tiles write them and a last pass rescales each tile to the final max and sum.
/// </summary>
internal static class FlashKernel<T, TVec, TOps>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVec : struct
    where TOps : struct, ISimd<TVec, T>
{
    /// <summary>Query rows per score micro-kernel; the block is 8 rows by 2 vectors of keys.</summary>
    public const int RowBlock = 8;

    /// <summary>Query rows per P·V micro-kernel.</summary>
    private const int PvRows = 4;

    public static int ColumnBlock => 2 * TOps.Count;

    private static readonly T Log2E = T.CreateTruncating(1.4426950408889634);

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
            PackQueries(qSource, qs, rows, brPad, d, p.Scale);
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

        var lastRow = i0 + rows - 1;
        for (int t = keyStart / bc, j0 = keyStart; j0 < keyEnd; t++, j0 += bc)
        {
            if (p.Causal && j0 > lastRow)
            {
                ZeroWeights(weights, wOff, m, i0, rows, j0, keyEnd - j0);
                break; // every later tile lies above the diagonal
            }

            var cols = Math.Min(bc, keyEnd - j0);
            if (p.Mask is not null && !AnyAllowed(p.Mask, maskOff, m, i0, rows, j0, cols))
            {
                ZeroWeights(weights, wOff, m, i0, rows, j0, cols);
                continue;
            }

            ct.ThrowIfCancellationRequested();
            var sTile = s.S.AsSpan(0, brPad * bcPad);
            if (additive)
            {
                AdditiveScores(p, s, qs, kOff, j0, rows, cols, bcPad, ct);
            }
            else
            {
                ScoreTile(qs, packed.Keys, packed.KeyTileOffset(bkv, t), sTile, brPad, d, bcPad);
            }

            for (var r = 0; r < rows; r++)
            {
                var i = i0 + r;
                var row = sTile.Slice(r * bcPad, bcPad);
                row[cols..].Fill(T.NegativeInfinity);
                if (p.Bias is not null)
                {
                    TensorPrimitives.Add(row[..cols], p.Bias.AsSpan((int)(biasOff + ((long)i * m) + j0), cols), row[..cols]);
                }

                // One pass before masking: a non-finite min or max means a score overflowed, which is an error where
                // the query may attend; without mask or causal the max is also the row max the softmax needs.
                var (tileMin, tileMax) = RowMinMax(row, cols);
                if (!T.IsFinite(tileMin) || !T.IsFinite(tileMax))
                {
                    var allowed = p.Mask is null ? default : p.Mask.AsSpan((int)(maskOff + ((long)i * m) + j0), cols);
                    ThrowIfAllowedOverflow(row[..cols], allowed, p.Causal ? i - j0 : int.MaxValue);
                }

                var masked = p.Mask is not null || (p.Causal && i - j0 + 1 < cols);
                if (p.Mask is not null)
                {
                    ApplyMask(row, p.Mask.AsSpan((int)(maskOff + ((long)i * m) + j0), cols));
                }

                if (p.Causal && i - j0 + 1 < cols)
                {
                    row[Math.Max(0, i - j0 + 1)..cols].Fill(T.NegativeInfinity);
                }

                if (masked)
                {
                    tileMax = RowMaxOf(row);
                }

                var mOld = rowMax[r];
                var mNew = T.Max(mOld, tileMax);
                if (T.IsNegativeInfinity(mNew))
                {
                    row.Clear(); // nothing allowed so far: this row contributes nothing yet
                    weights?.AsSpan((int)(wOff + ((long)i * m) + j0), cols).Clear();
                    continue;
                }

                var sum = Exp2AndSum(row, mNew);
                // Once the running max settles it rarely moves: skip the scalar exp2 (a libm call) when it does not.
                var alpha = mNew == mOld ? T.One : T.IsNegativeInfinity(mOld) ? T.Zero : T.Exp2((mOld - mNew) * Log2E);
                rowSum[r] = (rowSum[r] * alpha) + sum;
                rowMax[r] = mNew;
                if (alpha != T.One)
                {
                    ScaleRow(o.Slice(r * dvPad, dvPad), alpha);
                }

                if (weights is not null)
                {
                    row[..cols].CopyTo(weights.AsSpan((int)(wOff + ((long)i * m) + j0), cols));
                    s.TileMax[(r * tiles) + t] = mNew;
                }
            }

            sTile[(rows * bcPad)..].Clear();
            ValueTile(sTile, packed.Values, vOff + ((long)j0 * dvPad), o, PvRowsPadded(rows), cols, bcPad, dvPad);
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
            var l = rowSum[r];
            var inv = l > T.Zero ? T.One / l : T.Zero;
            TensorPrimitives.Multiply(o.Slice(r * dvPad, dv), inv, output.Slice(r * dv, dv));
            if (weights is not null && l > T.Zero)
            {
                var wRow = weights.AsSpan((int)(wOff + ((long)(i0 + r) * m)), m);
                for (var t = 0; t < tiles; t++)
                {
                    var tm = s.TileMax[(r * tiles) + t];
                    if (!T.IsNegativeInfinity(tm))
                    {
                        var seg = wRow.Slice(t * bc, Math.Min(bc, m - (t * bc)));
                        TensorPrimitives.Multiply(seg, T.Exp2((tm - rowMax[r]) * Log2E) * inv, seg);
                    }
                }
            }
        }
    }

    /// <summary>Weights of skipped tiles are zero; every other weight is written by its tile, so no up-front clear.</summary>
    private static void ZeroWeights(T[]? weights, long wOff, int m, int i0, int rows, int j0, int cols)
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

    private static int PvRowsPadded(int rows) => (rows + PvRows - 1) / PvRows * PvRows;

    private static bool AnyAllowed(bool[] mask, long maskOff, int m, int i0, int rows, int j0, int cols)
    {
        for (var r = 0; r < rows; r++)
        {
            var bytes = MemoryMarshal.AsBytes(mask.AsSpan((int)(maskOff + ((long)(i0 + r) * m) + j0), cols));
            if (bytes.IndexOfAnyExcept((byte)0) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The min and max of the first <paramref name="cols"/> scores (the rest is padding); NaN makes both NaN.</summary>
    private static (T Min, T Max) RowMinMax(Span<T> row, int cols)
    {
        ref var r = ref MemoryMarshal.GetReference(row);
        var w = TOps.Count;
        var min = TOps.Broadcast(T.PositiveInfinity);
        var max = TOps.Broadcast(T.NegativeInfinity);
        var c = 0;
        for (; c + w <= cols; c += w)
        {
            var x = TOps.Load(ref Unsafe.Add(ref r, c));
            min = TOps.Min(min, x);
            max = TOps.Max(max, x);
        }

        T lo = TOps.MinAcross(min), hi = TOps.MaxAcross(max);
        for (; c < cols; c++)
        {
            var x = Unsafe.Add(ref r, c);
            lo = T.IsNaN(x) ? x : T.Min(lo, x);
            hi = T.IsNaN(x) ? x : T.Max(hi, x);
        }

        return (lo, hi);
    }

    /// <summary>
    /// A score that overflowed (±inf or NaN from inf - inf) where the query may attend is an overflow, not a mask:
    /// reading -inf as "masked" would silently drop the key. Forbidden positions may overflow harmlessly.
    /// </summary>
    private static void ThrowIfAllowedOverflow(Span<T> row, ReadOnlySpan<bool> mask, int lastAllowed)
    {
        for (var c = 0; c < row.Length && c <= lastAllowed; c++)
        {
            if (!T.IsFinite(row[c]) && (mask.IsEmpty || mask[c]))
            {
                throw new AttentionOverflowException(typeof(T) == typeof(float) ? Precision.Float32 : Precision.Float64);
            }
        }
    }

    private static void ApplyMask(Span<T> row, ReadOnlySpan<bool> allowed)
    {
        for (var c = 0; c < allowed.Length; c++)
        {
            if (!allowed[c])
            {
                row[c] = T.NegativeInfinity;
            }
        }
    }

    /// <summary>Scaled query rows, interleaved as <c>[block][d][RowBlock]</c>; rows past <paramref name="rows"/> are zero.</summary>
    private static void PackQueries(ReadOnlySpan<T> source, Span<T> packed, int rows, int rowsPadded, int d, T scale)
    {
        for (var r = 0; r < rowsPadded; r++)
        {
            var block = r / RowBlock * RowBlock * d;
            var lane = r % RowBlock;
            if (r < rows)
            {
                var row = source.Slice(r * d, d);
                for (var x = 0; x < d; x++)
                {
                    packed[block + (x * RowBlock) + lane] = row[x] * scale;
                }
            }
            else
            {
                for (var x = 0; x < d; x++)
                {
                    packed[block + (x * RowBlock) + lane] = T.Zero;
                }
            }
        }
    }

    /// <summary>S = Qs · KT for a whole tile, 8 query rows by 2 vectors of keys at a time.</summary>
    private static void ScoreTile(Span<T> qs, T[] kt, long ktOffset, Span<T> sTile, int brPad, int d, int bcPad)
    {
        ref var q = ref MemoryMarshal.GetReference(qs);
        ref var k = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(kt), (nint)ktOffset);
        ref var st = ref MemoryMarshal.GetReference(sTile);
        var w = TOps.Count;
        for (var r0 = 0; r0 < brPad; r0 += RowBlock)
        {
            ref var qBlock = ref Unsafe.Add(ref q, r0 * d);
            for (var c0 = 0; c0 < bcPad; c0 += 2 * w)
            {
                TVec a00 = TOps.Zero, a01 = TOps.Zero, a10 = TOps.Zero, a11 = TOps.Zero;
                TVec a20 = TOps.Zero, a21 = TOps.Zero, a30 = TOps.Zero, a31 = TOps.Zero;
                TVec a40 = TOps.Zero, a41 = TOps.Zero, a50 = TOps.Zero, a51 = TOps.Zero;
                TVec a60 = TOps.Zero, a61 = TOps.Zero, a70 = TOps.Zero, a71 = TOps.Zero;
                ref var kx = ref Unsafe.Add(ref k, c0);
                ref var qx = ref qBlock;
                for (var x = d; x > 0; x--)
                {
                    var b0 = TOps.Load(ref kx);
                    var b1 = TOps.Load(ref Unsafe.Add(ref kx, w));
                    var s = TOps.Broadcast(qx);
                    a00 = TOps.MultiplyAdd(s, b0, a00); a01 = TOps.MultiplyAdd(s, b1, a01);
                    s = TOps.Broadcast(Unsafe.Add(ref qx, 1));
                    a10 = TOps.MultiplyAdd(s, b0, a10); a11 = TOps.MultiplyAdd(s, b1, a11);
                    s = TOps.Broadcast(Unsafe.Add(ref qx, 2));
                    a20 = TOps.MultiplyAdd(s, b0, a20); a21 = TOps.MultiplyAdd(s, b1, a21);
                    s = TOps.Broadcast(Unsafe.Add(ref qx, 3));
                    a30 = TOps.MultiplyAdd(s, b0, a30); a31 = TOps.MultiplyAdd(s, b1, a31);
                    s = TOps.Broadcast(Unsafe.Add(ref qx, 4));
                    a40 = TOps.MultiplyAdd(s, b0, a40); a41 = TOps.MultiplyAdd(s, b1, a41);
                    s = TOps.Broadcast(Unsafe.Add(ref qx, 5));
                    a50 = TOps.MultiplyAdd(s, b0, a50); a51 = TOps.MultiplyAdd(s, b1, a51);
                    s = TOps.Broadcast(Unsafe.Add(ref qx, 6));
                    a60 = TOps.MultiplyAdd(s, b0, a60); a61 = TOps.MultiplyAdd(s, b1, a61);
                    s = TOps.Broadcast(Unsafe.Add(ref qx, 7));
                    a70 = TOps.MultiplyAdd(s, b0, a70); a71 = TOps.MultiplyAdd(s, b1, a71);
                    kx = ref Unsafe.Add(ref kx, bcPad);
                    qx = ref Unsafe.Add(ref qx, RowBlock);
                }

                ref var out0 = ref Unsafe.Add(ref st, (r0 * bcPad) + c0);
                StorePair(a00, a01, ref out0, w);
                StorePair(a10, a11, ref Unsafe.Add(ref out0, bcPad), w);
                StorePair(a20, a21, ref Unsafe.Add(ref out0, 2 * bcPad), w);
                StorePair(a30, a31, ref Unsafe.Add(ref out0, 3 * bcPad), w);
                StorePair(a40, a41, ref Unsafe.Add(ref out0, 4 * bcPad), w);
                StorePair(a50, a51, ref Unsafe.Add(ref out0, 5 * bcPad), w);
                StorePair(a60, a61, ref Unsafe.Add(ref out0, 6 * bcPad), w);
                StorePair(a70, a71, ref Unsafe.Add(ref out0, 7 * bcPad), w);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(TVec a, TVec b, ref T destination, int w)
    {
        TOps.Store(a, ref destination);
        TOps.Store(b, ref Unsafe.Add(ref destination, w));
    }

    /// <summary>O += P · Vp over the first <paramref name="cols"/> keys, 4 query rows by up to 4 vectors of values.</summary>
    private static void ValueTile(Span<T> pTile, T[] vp, long vpOffset, Span<T> o, int rowsPadded, int cols, int bcPad, int dvPad)
    {
        ref var pp = ref MemoryMarshal.GetReference(pTile);
        ref var vv = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(vp), (nint)vpOffset);
        ref var oo = ref MemoryMarshal.GetReference(o);
        var w = TOps.Count;
        for (var r0 = 0; r0 < rowsPadded; r0 += PvRows)
        {
            ref var p0 = ref Unsafe.Add(ref pp, r0 * bcPad);
            ref var o0 = ref Unsafe.Add(ref oo, r0 * dvPad);
            var c0 = 0;
            for (; c0 + (4 * w) <= dvPad; c0 += 4 * w)
            {
                ref var oc = ref Unsafe.Add(ref o0, c0);
                TVec a00 = TOps.Load(ref oc), a01 = TOps.Load(ref Unsafe.Add(ref oc, w)), a02 = TOps.Load(ref Unsafe.Add(ref oc, 2 * w)), a03 = TOps.Load(ref Unsafe.Add(ref oc, 3 * w));
                ref var oc1 = ref Unsafe.Add(ref oc, dvPad);
                TVec a10 = TOps.Load(ref oc1), a11 = TOps.Load(ref Unsafe.Add(ref oc1, w)), a12 = TOps.Load(ref Unsafe.Add(ref oc1, 2 * w)), a13 = TOps.Load(ref Unsafe.Add(ref oc1, 3 * w));
                ref var oc2 = ref Unsafe.Add(ref oc, 2 * dvPad);
                TVec a20 = TOps.Load(ref oc2), a21 = TOps.Load(ref Unsafe.Add(ref oc2, w)), a22 = TOps.Load(ref Unsafe.Add(ref oc2, 2 * w)), a23 = TOps.Load(ref Unsafe.Add(ref oc2, 3 * w));
                ref var oc3 = ref Unsafe.Add(ref oc, 3 * dvPad);
                TVec a30 = TOps.Load(ref oc3), a31 = TOps.Load(ref Unsafe.Add(ref oc3, w)), a32 = TOps.Load(ref Unsafe.Add(ref oc3, 2 * w)), a33 = TOps.Load(ref Unsafe.Add(ref oc3, 3 * w));
                ref var vj = ref Unsafe.Add(ref vv, c0);
                ref var p0j = ref p0;
                ref var p1j = ref Unsafe.Add(ref p0, bcPad);
                ref var p2j = ref Unsafe.Add(ref p0, 2 * bcPad);
                ref var p3j = ref Unsafe.Add(ref p0, 3 * bcPad);
                for (var j = cols; j > 0; j--)
                {
                    var v0 = TOps.Load(ref vj);
                    var v1 = TOps.Load(ref Unsafe.Add(ref vj, w));
                    var v2 = TOps.Load(ref Unsafe.Add(ref vj, 2 * w));
                    var v3 = TOps.Load(ref Unsafe.Add(ref vj, 3 * w));
                    var s = TOps.Broadcast(p0j);
                    a00 = TOps.MultiplyAdd(s, v0, a00); a01 = TOps.MultiplyAdd(s, v1, a01); a02 = TOps.MultiplyAdd(s, v2, a02); a03 = TOps.MultiplyAdd(s, v3, a03);
                    s = TOps.Broadcast(p1j);
                    a10 = TOps.MultiplyAdd(s, v0, a10); a11 = TOps.MultiplyAdd(s, v1, a11); a12 = TOps.MultiplyAdd(s, v2, a12); a13 = TOps.MultiplyAdd(s, v3, a13);
                    s = TOps.Broadcast(p2j);
                    a20 = TOps.MultiplyAdd(s, v0, a20); a21 = TOps.MultiplyAdd(s, v1, a21); a22 = TOps.MultiplyAdd(s, v2, a22); a23 = TOps.MultiplyAdd(s, v3, a23);
                    s = TOps.Broadcast(p3j);
                    a30 = TOps.MultiplyAdd(s, v0, a30); a31 = TOps.MultiplyAdd(s, v1, a31); a32 = TOps.MultiplyAdd(s, v2, a32); a33 = TOps.MultiplyAdd(s, v3, a33);
                    vj = ref Unsafe.Add(ref vj, dvPad);
                    p0j = ref Unsafe.Add(ref p0j, 1);
                    p1j = ref Unsafe.Add(ref p1j, 1);
                    p2j = ref Unsafe.Add(ref p2j, 1);
                    p3j = ref Unsafe.Add(ref p3j, 1);
                }

                StoreQuad(a00, a01, a02, a03, ref oc, w);
                StoreQuad(a10, a11, a12, a13, ref oc1, w);
                StoreQuad(a20, a21, a22, a23, ref oc2, w);
                StoreQuad(a30, a31, a32, a33, ref oc3, w);
            }

            for (; c0 < dvPad; c0 += w)
            {
                ref var oc = ref Unsafe.Add(ref o0, c0);
                TVec a0 = TOps.Load(ref oc), a1 = TOps.Load(ref Unsafe.Add(ref oc, dvPad));
                TVec a2 = TOps.Load(ref Unsafe.Add(ref oc, 2 * dvPad)), a3 = TOps.Load(ref Unsafe.Add(ref oc, 3 * dvPad));
                for (var j = 0; j < cols; j++)
                {
                    var v0 = TOps.Load(ref Unsafe.Add(ref vv, (j * dvPad) + c0));
                    ref var pj = ref Unsafe.Add(ref p0, j);
                    a0 = TOps.MultiplyAdd(TOps.Broadcast(pj), v0, a0);
                    a1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pj, bcPad)), v0, a1);
                    a2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pj, 2 * bcPad)), v0, a2);
                    a3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pj, 3 * bcPad)), v0, a3);
                }

                TOps.Store(a0, ref oc);
                TOps.Store(a1, ref Unsafe.Add(ref oc, dvPad));
                TOps.Store(a2, ref Unsafe.Add(ref oc, 2 * dvPad));
                TOps.Store(a3, ref Unsafe.Add(ref oc, 3 * dvPad));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreQuad(TVec a, TVec b, TVec c, TVec e, ref T destination, int w)
    {
        TOps.Store(a, ref destination);
        TOps.Store(b, ref Unsafe.Add(ref destination, w));
        TOps.Store(c, ref Unsafe.Add(ref destination, 2 * w));
        TOps.Store(e, ref Unsafe.Add(ref destination, 3 * w));
    }

    /// <summary>row *= factor; the row is a whole number of vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleRow(Span<T> row, T factor)
    {
        ref var r = ref MemoryMarshal.GetReference(row);
        var f = TOps.Broadcast(factor);
        for (var c = 0; c < row.Length; c += TOps.Count)
        {
            ref var x = ref Unsafe.Add(ref r, c);
            TOps.Store(TOps.Multiply(TOps.Load(ref x), f), ref x);
        }
    }

    /// <summary>The row's maximum; NaN anywhere makes it NaN, so overflow cannot hide.</summary>
    private static T RowMaxOf(Span<T> row)
    {
        ref var r = ref MemoryMarshal.GetReference(row);
        var w = TOps.Count;
        var acc = TOps.Broadcast(T.NegativeInfinity);
        for (var c = 0; c < row.Length; c += w)
        {
            acc = TOps.Max(acc, TOps.Load(ref Unsafe.Add(ref r, c)));
        }

        return TOps.MaxAcross(acc);
    }

    /// <summary>row = e^(row - max) = 2^((row - max)·log2 e) in place; returns the sum. Row length is a whole number of vectors.</summary>
    private static T Exp2AndSum(Span<T> row, T max)
    {
        ref var r = ref MemoryMarshal.GetReference(row);
        var w = TOps.Count;
        var m = TOps.Broadcast(max);
        var log2E = TOps.Broadcast(Log2E);
        var acc = TOps.Zero;
        for (var c = 0; c < row.Length; c += w)
        {
            ref var x = ref Unsafe.Add(ref r, c);
            var e = TOps.Exp2(TOps.Multiply(TOps.Subtract(TOps.Load(ref x), m), log2E));
            TOps.Store(e, ref x);
            acc = TOps.Add(acc, e);
        }

        return TOps.SumAcross(acc);
    }

    /// <summary>Additive scores <c>scale · v · tanh(qa_i + ka_j)</c>, one TensorPrimitives pass per pair.</summary>
    private static void AdditiveScores(CoreProblem<T> p, Scratch<T> s, Span<T> qa, long kOff, int j0, int rows, int cols, int bcPad, CancellationToken ct)
    {
        var a = p.D;
        var v = p.AdditiveV!;
        var tmp = s.Hidden.AsSpan(0, a);
        for (var r = 0; r < rows; r++)
        {
            ct.ThrowIfCancellationRequested(); // a row costs cols·a tanh: with many hidden units a tile is long
            var qRow = qa.Slice(r * a, a);
            for (var c = 0; c < cols; c++)
            {
                TensorPrimitives.Add(qRow, p.K.AsSpan((int)(kOff + ((long)(j0 + c) * a)), a), tmp);
                TensorPrimitives.Tanh(tmp, tmp);
                s.S[(r * bcPad) + c] = p.Scale * TensorPrimitives.Dot(tmp, v.AsSpan(0, a));
            }
        }
    }
}
