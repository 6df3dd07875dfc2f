using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// The float query packing of <see cref="MicroKernels{T, TVec, TOps}.PackQueries"/> in registers: 8 rows by 16 columns
/// become the 128 elements <c>[column][row]</c> the score micro-kernel broadcasts from, by three rounds of two-source
/// permutes (rows interleaved by pairs, then by pairs of pairs, then halves), 24 permutes per 128 elements instead of
/// a load, a multiply and a scattered store each.
/// </summary>
internal static class QueryTranspose
{
    private const int Rows = TileShape.MicroKernelRowBlock;

    /// <summary>Whether <see cref="Pack"/> can pack rows of width <paramref name="d"/> (its first d / 16 · 16 columns).</summary>
    public static bool Supports(int d) => Avx512F.IsSupported && d >= 16;

    /// <summary>
    /// Columns <c>[0, d / 16 · 16)</c> of <paramref name="rows"/> rows of <paramref name="source"/>, times
    /// <paramref name="scale"/>, into <paramref name="packed"/> as <c>[block of 8 rows][d][8]</c>; rows from
    /// <paramref name="rows"/> to <paramref name="rowsPadded"/> are zero. Returns the largest magnitude packed.
    /// </summary>
    public static float Pack(ReadOnlySpan<float> source, Span<float> packed, int rows, int rowsPadded, int d, float scale)
    {
        var largest = Vector512<float>.Zero;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(packed);
        var factor = Vector512.Create(scale);
        var pairs = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var pairsHigh = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        var quads = Vector512.Create(0ul, 8, 1, 9, 2, 10, 3, 11);
        var quadsHigh = Vector512.Create(4ul, 12, 5, 13, 6, 14, 7, 15);
        var halves = Vector512.Create(0ul, 1, 8, 9, 2, 3, 10, 11);
        var halvesHigh = Vector512.Create(4ul, 5, 12, 13, 6, 7, 14, 15);
        for (var r0 = 0; r0 < rowsPadded; r0 += Rows)
        {
            ref var block = ref Unsafe.Add(ref dst, r0 * d);
            var live = Math.Min(Rows, rows - r0);
            for (var x0 = 0; x0 + 16 <= d; x0 += 16)
            {
                ref var sx = ref Unsafe.Add(ref src, (r0 * d) + x0);
                var q0 = Row(ref sx, 0, live, d, factor); var q1 = Row(ref sx, 1, live, d, factor);
                var q2 = Row(ref sx, 2, live, d, factor); var q3 = Row(ref sx, 3, live, d, factor);
                var q4 = Row(ref sx, 4, live, d, factor); var q5 = Row(ref sx, 5, live, d, factor);
                var q6 = Row(ref sx, 6, live, d, factor); var q7 = Row(ref sx, 7, live, d, factor);
                largest = Vector512.MaxNative(
                    largest,
                    Vector512.MaxNative(Vector512.MaxNative(KeyTranspose.Magnitude(q0, q1), KeyTranspose.Magnitude(q2, q3)), Vector512.MaxNative(KeyTranspose.Magnitude(q4, q5), KeyTranspose.Magnitude(q6, q7))));

                // Rows by pairs: (r, r + 1) for columns 0-7 and 8-15, as 64-bit units.
                var p01 = Avx512F.PermuteVar16x32x2(q0, pairs, q1).AsUInt64(); var p01h = Avx512F.PermuteVar16x32x2(q0, pairsHigh, q1).AsUInt64();
                var p23 = Avx512F.PermuteVar16x32x2(q2, pairs, q3).AsUInt64(); var p23h = Avx512F.PermuteVar16x32x2(q2, pairsHigh, q3).AsUInt64();
                var p45 = Avx512F.PermuteVar16x32x2(q4, pairs, q5).AsUInt64(); var p45h = Avx512F.PermuteVar16x32x2(q4, pairsHigh, q5).AsUInt64();
                var p67 = Avx512F.PermuteVar16x32x2(q6, pairs, q7).AsUInt64(); var p67h = Avx512F.PermuteVar16x32x2(q6, pairsHigh, q7).AsUInt64();

                // Pairs by pairs: rows 0-3 (and 4-7) of four columns each, as 128-bit units.
                var a0 = Avx512F.PermuteVar8x64x2(p01, quads, p23); var a1 = Avx512F.PermuteVar8x64x2(p01, quadsHigh, p23);
                var a2 = Avx512F.PermuteVar8x64x2(p01h, quads, p23h); var a3 = Avx512F.PermuteVar8x64x2(p01h, quadsHigh, p23h);
                var b0 = Avx512F.PermuteVar8x64x2(p45, quads, p67); var b1 = Avx512F.PermuteVar8x64x2(p45, quadsHigh, p67);
                var b2 = Avx512F.PermuteVar8x64x2(p45h, quads, p67h); var b3 = Avx512F.PermuteVar8x64x2(p45h, quadsHigh, p67h);

                // Halves: all 8 rows of two columns a vector.
                ref var out0 = ref Unsafe.Add(ref block, x0 * Rows);
                Store(Avx512F.PermuteVar8x64x2(a0, halves, b0), ref out0, 0);
                Store(Avx512F.PermuteVar8x64x2(a0, halvesHigh, b0), ref out0, 1);
                Store(Avx512F.PermuteVar8x64x2(a1, halves, b1), ref out0, 2);
                Store(Avx512F.PermuteVar8x64x2(a1, halvesHigh, b1), ref out0, 3);
                Store(Avx512F.PermuteVar8x64x2(a2, halves, b2), ref out0, 4);
                Store(Avx512F.PermuteVar8x64x2(a2, halvesHigh, b2), ref out0, 5);
                Store(Avx512F.PermuteVar8x64x2(a3, halves, b3), ref out0, 6);
                Store(Avx512F.PermuteVar8x64x2(a3, halvesHigh, b3), ref out0, 7);
            }
        }

        return Simd512<float>.MaxAcross(largest);
    }

    /// <summary>Row <paramref name="r"/> of the block, scaled; zero past the <paramref name="live"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(ref float block, int r, int live, int d, Vector512<float> factor) =>
        r < live ? Vector512.LoadUnsafe(ref Unsafe.Add(ref block, r * d)) * factor : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<ulong> value, ref float block, int k) =>
        value.AsSingle().StoreUnsafe(ref Unsafe.Add(ref block, k * 16));
}
