using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// The float key transpose of <see cref="PackedInputs{T}"/> in 16 x 16 blocks held in registers. Element by element the
/// transpose is a load and a store per key element, which with few queries per key (1,8,77,4096,64) cost about as
/// much as a quarter of the attention; in registers it is 16 loads, 64 shuffles and 16 stores per 256 elements.
/// </summary>
internal static class KeyTranspose
{
    /// <summary>Whether <see cref="Block16"/> can transpose keys of width <paramref name="d"/>.</summary>
    public static bool Supports(int d) => Avx512F.IsSupported && d % 16 == 0;

    /// <summary>
    /// Keys <c>[c0, c0 + 16)</c> of <paramref name="src"/> (rows of <paramref name="d"/>) into columns
    /// <c>[c0, c0 + 16)</c> of <paramref name="dst"/> (<c>[d][bcPad]</c>); <paramref name="largest"/> takes their
    /// magnitudes in (lane by lane, the hardware's max), for the overflow bound of <see cref="CoreProblem{T}.CannotOverflow"/>.
    /// </summary>
    public static void Block16(ReadOnlySpan<float> src, Span<float> dst, int c0, int d, int bcPad, ref Vector512<float> largest)
    {
        ref var s = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), c0 * d);
        ref var t = ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), c0);
        for (var x0 = 0; x0 < d; x0 += 16)
        {
            ref var sx = ref Unsafe.Add(ref s, x0);
            var r0 = Load(ref sx, 0, d); var r1 = Load(ref sx, 1, d); var r2 = Load(ref sx, 2, d); var r3 = Load(ref sx, 3, d);
            var r4 = Load(ref sx, 4, d); var r5 = Load(ref sx, 5, d); var r6 = Load(ref sx, 6, d); var r7 = Load(ref sx, 7, d);
            var r8 = Load(ref sx, 8, d); var r9 = Load(ref sx, 9, d); var ra = Load(ref sx, 10, d); var rb = Load(ref sx, 11, d);
            var rc = Load(ref sx, 12, d); var rd = Load(ref sx, 13, d); var re = Load(ref sx, 14, d); var rf = Load(ref sx, 15, d);
            var big = Vector512.MaxNative(
                Vector512.MaxNative(Vector512.MaxNative(Magnitude(r0, r1), Magnitude(r2, r3)), Vector512.MaxNative(Magnitude(r4, r5), Magnitude(r6, r7))),
                Vector512.MaxNative(Vector512.MaxNative(Magnitude(r8, r9), Magnitude(ra, rb)), Vector512.MaxNative(Magnitude(rc, rd), Magnitude(re, rf))));
            largest = Vector512.MaxNative(largest, big);

            // Per 128-bit lane, a 4 x 4 transpose of each group of four rows (unpack by pairs, then by quads) ...
            Quad(r0, r1, r2, r3, out var u0, out var u1, out var u2, out var u3);
            Quad(r4, r5, r6, r7, out var u4, out var u5, out var u6, out var u7);
            Quad(r8, r9, ra, rb, out var u8, out var u9, out var ua, out var ub);
            Quad(rc, rd, re, rf, out var uc, out var ud, out var ue, out var uf);

            // ... then lane k of u_j holds column 4k + j of its four rows: gathering lanes gives columns j, 4 + j, 8 + j, 12 + j.
            ref var tx = ref Unsafe.Add(ref t, x0 * bcPad);
            Lanes(u0, u4, u8, uc, ref tx, 0, bcPad);
            Lanes(u1, u5, u9, ud, ref tx, 1, bcPad);
            Lanes(u2, u6, ua, ue, ref tx, 2, bcPad);
            Lanes(u3, u7, ub, uf, ref tx, 3, bcPad);
        }
    }

    /// <summary>The larger magnitude of two vectors, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Magnitude(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(Vector512.Abs(a), Vector512.Abs(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ref float s, int row, int d) => Vector512.LoadUnsafe(ref Unsafe.Add(ref s, row * d));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(
        Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> e,
        out Vector512<float> u0, out Vector512<float> u1, out Vector512<float> u2, out Vector512<float> u3)
    {
        var ab0 = Avx512F.UnpackLow(a, b).AsDouble();
        var ab1 = Avx512F.UnpackHigh(a, b).AsDouble();
        var ce0 = Avx512F.UnpackLow(c, e).AsDouble();
        var ce1 = Avx512F.UnpackHigh(c, e).AsDouble();
        u0 = Avx512F.UnpackLow(ab0, ce0).AsSingle();
        u1 = Avx512F.UnpackHigh(ab0, ce0).AsSingle();
        u2 = Avx512F.UnpackLow(ab1, ce1).AsSingle();
        u3 = Avx512F.UnpackHigh(ab1, ce1).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Lanes(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> e, ref float t, int j, int bcPad)
    {
        var even0 = Avx512F.Shuffle4x128(a, b, 0x88); // lanes 0, 2 of a, then of b
        var odd0 = Avx512F.Shuffle4x128(a, b, 0xDD);  // lanes 1, 3
        var even1 = Avx512F.Shuffle4x128(c, e, 0x88);
        var odd1 = Avx512F.Shuffle4x128(c, e, 0xDD);
        Avx512F.Shuffle4x128(even0, even1, 0x88).StoreUnsafe(ref Unsafe.Add(ref t, j * bcPad));
        Avx512F.Shuffle4x128(odd0, odd1, 0x88).StoreUnsafe(ref Unsafe.Add(ref t, (4 + j) * bcPad));
        Avx512F.Shuffle4x128(even0, even1, 0xDD).StoreUnsafe(ref Unsafe.Add(ref t, (8 + j) * bcPad));
        Avx512F.Shuffle4x128(odd0, odd1, 0xDD).StoreUnsafe(ref Unsafe.Add(ref t, (12 + j) * bcPad));
    }
}
