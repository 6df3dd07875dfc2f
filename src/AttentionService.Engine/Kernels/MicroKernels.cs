using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// The register-blocked micro-kernels of the tile loop, and (with <see cref="KeyTranspose"/>) the only code in the kernels that reads memory through
/// <see cref="Unsafe"/>: S = Q·Kᵀ on 8 query rows by 2 vectors of keys (16 accumulators), and O += P·V on 4 query rows
/// by 4 vectors of values (5 when that is the whole row). Queries are interleaved per 8-row block and keys transposed per tile so that each step of
/// the inner loops is one broadcast per row and one load per vector.
/// </summary>
internal static partial class MicroKernels<T, TVec, TOps>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVec : struct
    where TOps : struct, ISimd<TVec, T>
{
    /// <summary>Query rows per score micro-kernel; the block is 8 rows by 2 vectors of keys.</summary>
    public const int RowBlock = TileShape.MicroKernelRowBlock;

    /// <summary>Query rows per P·V micro-kernel.</summary>
    public const int PvRows = 4;

    public static int PvRowsPadded(int rows) => (rows + PvRows - 1) / PvRows * PvRows;

    /// <summary>
    /// Scaled query rows, interleaved as <c>[block][d][RowBlock]</c>; rows past <paramref name="rows"/> are zero.
    /// Returns the largest magnitude packed, for the overflow bound of <see cref="CoreProblem{T}.CannotOverflow"/>.
    /// </summary>
    public static T PackQueries(ReadOnlySpan<T> source, Span<T> packed, int rows, int rowsPadded, int d, T scale)
    {
        var x0 = 0;
        var largest = T.Zero;
        if (typeof(T) == typeof(float) && QueryTranspose.Supports(d))
        {
            // Whole 16-column blocks in registers (element by element this was about a twentieth of a tile's time with
            // one key tile per query tile); the columns left over, if any, below.
            x0 = d / 16 * 16;
            largest = T.CreateTruncating(QueryTranspose.Pack(MemoryMarshal.Cast<T, float>(source), MemoryMarshal.Cast<T, float>(packed), rows, rowsPadded, d, float.CreateTruncating(scale)));
        }

        for (var r = 0; r < rowsPadded; r++)
        {
            var block = r / RowBlock * RowBlock * d;
            var lane = r % RowBlock;
            if (r < rows)
            {
                var row = source.Slice(r * d, d);
                for (var x = x0; x < d; x++)
                {
                    var value = row[x] * scale;
                    packed[block + (x * RowBlock) + lane] = value;
                    largest = T.Max(largest, T.Abs(value));
                }
            }
            else
            {
                for (var x = x0; x < d; x++)
                {
                    packed[block + (x * RowBlock) + lane] = T.Zero;
                }
            }
        }

        return largest;
    }

    /// <summary>
    /// S = Qs · KT for the first <paramref name="cols"/> keys of a tile (rounded up to 2 vectors: packing zeroed the
    /// rest), 8 query rows by 2 vectors of keys at a time; rows of S and KT are <paramref name="bcPad"/> apart. With
    /// <paramref name="rowMaxes"/> (one vector a row, filled with -inf by the caller; only when <paramref name="cols"/>
    /// is a whole number of 2-vector blocks, so no padding column is scored), each row's scores are folded into its
    /// vector by the hardware's max while still in registers.
    /// </summary>
    public static void ScoreTile(Span<T> qs, T[] kt, long ktOffset, Span<T> sTile, int brPad, int d, int cols, int bcPad, Span<T> rowMaxes = default)
    {
        var foldMax = !rowMaxes.IsEmpty;
        ref var mx = ref MemoryMarshal.GetReference(rowMaxes);
        ref var q = ref MemoryMarshal.GetReference(qs);
        ref var k = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(kt), (nint)ktOffset);
        ref var st = ref MemoryMarshal.GetReference(sTile);
        var w = TOps.Count;
        // Key columns outermost: one block of 2 vectors of keys (d·2w elements, 8 KiB at d = 64) stays in L1 for every
        // row block, and the tile's queries (16 KiB for 64 rows) stay there too; rows outermost streamed the whole key
        // tile from L2 once per 8 rows.
        var width = Math.Min(bcPad, TileShape.RoundUp(cols, 2 * w));
        for (var c0 = 0; c0 < width; c0 += 2 * w)
        {
            for (var r0 = 0; r0 < brPad; r0 += RowBlock)
            {
                ref var qBlock = ref Unsafe.Add(ref q, r0 * d);
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
                if (foldMax)
                {
                    ref var m0 = ref Unsafe.Add(ref mx, r0 * w);
                    FoldMax(a00, a01, ref m0);
                    FoldMax(a10, a11, ref Unsafe.Add(ref m0, w));
                    FoldMax(a20, a21, ref Unsafe.Add(ref m0, 2 * w));
                    FoldMax(a30, a31, ref Unsafe.Add(ref m0, 3 * w));
                    FoldMax(a40, a41, ref Unsafe.Add(ref m0, 4 * w));
                    FoldMax(a50, a51, ref Unsafe.Add(ref m0, 5 * w));
                    FoldMax(a60, a61, ref Unsafe.Add(ref m0, 6 * w));
                    FoldMax(a70, a71, ref Unsafe.Add(ref m0, 7 * w));
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FoldMax(TVec a, TVec b, ref T max) => TOps.Store(TOps.MaxNative(TOps.Load(ref max), TOps.MaxNative(a, b)), ref max);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(TVec a, TVec b, ref T destination, int w)
    {
        TOps.Store(a, ref destination);
        TOps.Store(b, ref Unsafe.Add(ref destination, w));
    }

    /// <summary>Bytes of value rows that one pass of <see cref="ValueTile"/> keeps in L1 for every query row.</summary>
    private const int ValueChunkBytes = 16 * 1024;

    /// <summary>
    /// O += P · Vp over the first <paramref name="cols"/> keys, in chunks of keys whose value rows fit L1 (64 keys at
    /// dv = 64): every 4 rows of the tile reuse the chunk from L1 instead of streaming the whole value tile from L2.
    /// </summary>
    public static void ValueTile(Span<T> pTile, T[] vp, long vpOffset, Span<T> o, int rowsPadded, int cols, int bcPad, int dvPad)
    {
        var chunk = Math.Max(16, ValueChunkBytes / (dvPad * Unsafe.SizeOf<T>()));
        for (var j0 = 0; j0 < cols; j0 += chunk)
        {
            ValueChunk(pTile[j0..], vp, vpOffset + ((long)j0 * dvPad), o, rowsPadded, Math.Min(chunk, cols - j0), bcPad, dvPad);
        }
    }

    /// <summary>
    /// O += P · Vp over <paramref name="cols"/> keys: 4 query rows by 4 vectors of values, then any vectors left 8 rows
    /// by one; rows exactly 5 vectors wide, 4 rows by 5 vectors (3 to 3.5 % faster at dv = 80 than 4 and then 1).
    /// </summary>
    private static void ValueChunk(Span<T> pTile, T[] vp, long vpOffset, Span<T> o, int rowsPadded, int cols, int bcPad, int dvPad)
    {
        ref var pp = ref MemoryMarshal.GetReference(pTile);
        ref var vv = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(vp), (nint)vpOffset);
        ref var oo = ref MemoryMarshal.GetReference(o);
        var w = TOps.Count;
        // Exactly 5 vectors (dv = 80 on Vector512) go 4 rows by 5 vectors at once, so the probabilities are read once:
        // otherwise whole groups of 4 vectors, then what is left a vector at a time.
        var five = dvPad == 5 * w;
        var fourEnd = five ? 0 : dvPad / (4 * w) * 4 * w;
        var firstLeft = five ? dvPad : fourEnd;
        for (var r0 = 0; r0 < rowsPadded; r0 += PvRows)
        {
            ref var p0 = ref Unsafe.Add(ref pp, r0 * bcPad);
            ref var o0 = ref Unsafe.Add(ref oo, r0 * dvPad);
            if (five)
            {
                ValueBlock<FiveVectors>(ref p0, ref vv, ref o0, cols, bcPad, dvPad);
            }

            for (var c0 = 0; c0 < fourEnd; c0 += 4 * w)
            {
                ValueBlock<FourVectors>(ref p0, ref Unsafe.Add(ref vv, c0), ref Unsafe.Add(ref o0, c0), cols, bcPad, dvPad);
            }
        }

        // Columns past the last 4 vectors (dv = 80 leaves one): 8 rows at a time, so that 8 independent sums keep both
        // FMA pipes busy (4 rows were 4 chains, half their throughput). Rows up to the next 8 exist in the tile and are zero.
        var rows8 = (rowsPadded + RowBlock - 1) / RowBlock * RowBlock;
        for (var c0 = firstLeft; c0 < dvPad; c0 += w)
        {
            for (var r0 = 0; r0 < rows8; r0 += RowBlock)
            {
                ValueColumn(ref Unsafe.Add(ref pp, r0 * bcPad), ref Unsafe.Add(ref vv, c0), ref Unsafe.Add(ref oo, (r0 * dvPad) + c0), cols, bcPad, dvPad);
            }
        }
    }

    /// <summary>Whether a P·V block is 4 vectors of values wide or 5: a type argument, so the JIT compiles each width apart.</summary>
    private interface IBlockWidth
    {
        static abstract bool Five { get; }
    }

    private readonly struct FourVectors : IBlockWidth
    {
        public static bool Five => false;
    }

    private readonly struct FiveVectors : IBlockWidth
    {
        public static bool Five => true;
    }

    /// <summary>
    /// O[4 rows, 4 or 5 vectors] += Σ_j P[r, j] · V[j]: per key, one load per vector of values and one broadcast per row
    /// (16 sums and 8 more registers, or 20 sums and 10 more of the 32).
    /// </summary>
    private static void ValueBlock<TWidth>(ref T p0, ref T v, ref T o, int cols, int bcPad, int dvPad)
        where TWidth : struct, IBlockWidth
    {
        var w = TOps.Count;
        ref var o1 = ref Unsafe.Add(ref o, dvPad);
        ref var o2 = ref Unsafe.Add(ref o, 2 * dvPad);
        ref var o3 = ref Unsafe.Add(ref o, 3 * dvPad);
        TVec a00 = TOps.Load(ref o), a01 = TOps.Load(ref Unsafe.Add(ref o, w)), a02 = TOps.Load(ref Unsafe.Add(ref o, 2 * w)), a03 = TOps.Load(ref Unsafe.Add(ref o, 3 * w));
        TVec a10 = TOps.Load(ref o1), a11 = TOps.Load(ref Unsafe.Add(ref o1, w)), a12 = TOps.Load(ref Unsafe.Add(ref o1, 2 * w)), a13 = TOps.Load(ref Unsafe.Add(ref o1, 3 * w));
        TVec a20 = TOps.Load(ref o2), a21 = TOps.Load(ref Unsafe.Add(ref o2, w)), a22 = TOps.Load(ref Unsafe.Add(ref o2, 2 * w)), a23 = TOps.Load(ref Unsafe.Add(ref o2, 3 * w));
        TVec a30 = TOps.Load(ref o3), a31 = TOps.Load(ref Unsafe.Add(ref o3, w)), a32 = TOps.Load(ref Unsafe.Add(ref o3, 2 * w)), a33 = TOps.Load(ref Unsafe.Add(ref o3, 3 * w));
        TVec a04 = TOps.Zero, a14 = TOps.Zero, a24 = TOps.Zero, a34 = TOps.Zero;
        if (TWidth.Five)
        {
            (a04, a14) = (TOps.Load(ref Unsafe.Add(ref o, 4 * w)), TOps.Load(ref Unsafe.Add(ref o1, 4 * w)));
            (a24, a34) = (TOps.Load(ref Unsafe.Add(ref o2, 4 * w)), TOps.Load(ref Unsafe.Add(ref o3, 4 * w)));
        }

        ref var vj = ref v;
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
            var s0 = TOps.Broadcast(p0j);
            var s1 = TOps.Broadcast(p1j);
            var s2 = TOps.Broadcast(p2j);
            var s3 = TOps.Broadcast(p3j);
            a00 = TOps.MultiplyAdd(s0, v0, a00); a01 = TOps.MultiplyAdd(s0, v1, a01); a02 = TOps.MultiplyAdd(s0, v2, a02); a03 = TOps.MultiplyAdd(s0, v3, a03);
            a10 = TOps.MultiplyAdd(s1, v0, a10); a11 = TOps.MultiplyAdd(s1, v1, a11); a12 = TOps.MultiplyAdd(s1, v2, a12); a13 = TOps.MultiplyAdd(s1, v3, a13);
            a20 = TOps.MultiplyAdd(s2, v0, a20); a21 = TOps.MultiplyAdd(s2, v1, a21); a22 = TOps.MultiplyAdd(s2, v2, a22); a23 = TOps.MultiplyAdd(s2, v3, a23);
            a30 = TOps.MultiplyAdd(s3, v0, a30); a31 = TOps.MultiplyAdd(s3, v1, a31); a32 = TOps.MultiplyAdd(s3, v2, a32); a33 = TOps.MultiplyAdd(s3, v3, a33);
            if (TWidth.Five)
            {
                var v4 = TOps.Load(ref Unsafe.Add(ref vj, 4 * w));
                a04 = TOps.MultiplyAdd(s0, v4, a04); a14 = TOps.MultiplyAdd(s1, v4, a14); a24 = TOps.MultiplyAdd(s2, v4, a24); a34 = TOps.MultiplyAdd(s3, v4, a34);
            }

            vj = ref Unsafe.Add(ref vj, dvPad);
            p0j = ref Unsafe.Add(ref p0j, 1);
            p1j = ref Unsafe.Add(ref p1j, 1);
            p2j = ref Unsafe.Add(ref p2j, 1);
            p3j = ref Unsafe.Add(ref p3j, 1);
        }

        StoreQuad(a00, a01, a02, a03, ref o, w);
        StoreQuad(a10, a11, a12, a13, ref o1, w);
        StoreQuad(a20, a21, a22, a23, ref o2, w);
        StoreQuad(a30, a31, a32, a33, ref o3, w);
        if (TWidth.Five)
        {
            StoreQuad(a04, a14, a24, a34, ref Unsafe.Add(ref o, 4 * w), dvPad);
        }
    }

    /// <summary>One vector of output columns of 8 rows: O[r] += Σ_j P[r, j] · V[j].</summary>
    private static void ValueColumn(ref T p0, ref T v, ref T o, int cols, int bcPad, int dvPad)
    {
        TVec a0 = TOps.Load(ref o), a1 = TOps.Load(ref Unsafe.Add(ref o, dvPad));
        TVec a2 = TOps.Load(ref Unsafe.Add(ref o, 2 * dvPad)), a3 = TOps.Load(ref Unsafe.Add(ref o, 3 * dvPad));
        TVec a4 = TOps.Load(ref Unsafe.Add(ref o, 4 * dvPad)), a5 = TOps.Load(ref Unsafe.Add(ref o, 5 * dvPad));
        TVec a6 = TOps.Load(ref Unsafe.Add(ref o, 6 * dvPad)), a7 = TOps.Load(ref Unsafe.Add(ref o, 7 * dvPad));
        ref var p4 = ref Unsafe.Add(ref p0, 4 * bcPad);
        for (var j = 0; j < cols; j++)
        {
            var v0 = TOps.Load(ref Unsafe.Add(ref v, j * dvPad));
            ref var pj = ref Unsafe.Add(ref p0, j);
            ref var pk = ref Unsafe.Add(ref p4, j);
            a0 = TOps.MultiplyAdd(TOps.Broadcast(pj), v0, a0);
            a1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pj, bcPad)), v0, a1);
            a2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pj, 2 * bcPad)), v0, a2);
            a3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pj, 3 * bcPad)), v0, a3);
            a4 = TOps.MultiplyAdd(TOps.Broadcast(pk), v0, a4);
            a5 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pk, bcPad)), v0, a5);
            a6 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pk, 2 * bcPad)), v0, a6);
            a7 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pk, 3 * bcPad)), v0, a7);
        }

        StoreQuad(a0, a1, a2, a3, ref o, dvPad);
        StoreQuad(a4, a5, a6, a7, ref Unsafe.Add(ref o, 4 * dvPad), dvPad);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreQuad(TVec a, TVec b, TVec c, TVec e, ref T destination, int w)
    {
        TOps.Store(a, ref destination);
        TOps.Store(b, ref Unsafe.Add(ref destination, w));
        TOps.Store(c, ref Unsafe.Add(ref destination, 2 * w));
        TOps.Store(e, ref Unsafe.Add(ref destination, 3 * w));
    }
}
