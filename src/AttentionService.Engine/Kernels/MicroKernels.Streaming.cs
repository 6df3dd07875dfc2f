using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// The micro-kernels of <see cref="DecodeKernel{T, TVec, TOps}"/>: they read keys and values in the problem's own row
/// layout, each row once from memory, since a decode step has too few queries to repay packing.
/// </summary>
internal static partial class MicroKernels<T, TVec, TOps>
{
    /// <summary>
    /// S[r, c] = q_r · k_c for <paramref name="rows"/> query rows (already scaled, <c>[rows][d]</c>) against the
    /// <paramref name="cols"/> key rows at <paramref name="kOffset"/>; four keys at a time share each query load.
    /// </summary>
    public static void ScoreRows(ReadOnlySpan<T> qs, T[] k, long kOffset, Span<T> sTile, int rows, int cols, int d, int bcPad)
    {
        ref var q = ref MemoryMarshal.GetReference(qs);
        ref var k0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(k), (nint)kOffset);
        ref var st = ref MemoryMarshal.GetReference(sTile);
        var w = TOps.Count;
        var whole = d - (d % w);
        var c = 0;
        for (; c + 4 <= cols; c += 4)
        {
            ref var ka = ref Unsafe.Add(ref k0, c * d);
            ref var kb = ref Unsafe.Add(ref ka, d);
            ref var kc = ref Unsafe.Add(ref ka, 2 * d);
            ref var kd = ref Unsafe.Add(ref ka, 3 * d);
            for (var r = 0; r < rows; r++)
            {
                ref var qr = ref Unsafe.Add(ref q, r * d);
                TVec a = TOps.Zero, b = TOps.Zero, e = TOps.Zero, f = TOps.Zero;
                for (var x = 0; x < whole; x += w)
                {
                    var qv = TOps.Load(ref Unsafe.Add(ref qr, x));
                    a = TOps.MultiplyAdd(qv, TOps.Load(ref Unsafe.Add(ref ka, x)), a);
                    b = TOps.MultiplyAdd(qv, TOps.Load(ref Unsafe.Add(ref kb, x)), b);
                    e = TOps.MultiplyAdd(qv, TOps.Load(ref Unsafe.Add(ref kc, x)), e);
                    f = TOps.MultiplyAdd(qv, TOps.Load(ref Unsafe.Add(ref kd, x)), f);
                }

                T sa = TOps.SumAcross(a), sb = TOps.SumAcross(b), sc = TOps.SumAcross(e), sd = TOps.SumAcross(f);
                for (var x = whole; x < d; x++)
                {
                    var qx = Unsafe.Add(ref qr, x);
                    sa += qx * Unsafe.Add(ref ka, x);
                    sb += qx * Unsafe.Add(ref kb, x);
                    sc += qx * Unsafe.Add(ref kc, x);
                    sd += qx * Unsafe.Add(ref kd, x);
                }

                ref var out0 = ref Unsafe.Add(ref st, (r * bcPad) + c);
                out0 = sa;
                Unsafe.Add(ref out0, 1) = sb;
                Unsafe.Add(ref out0, 2) = sc;
                Unsafe.Add(ref out0, 3) = sd;
            }
        }

        for (; c < cols; c++)
        {
            ref var kr = ref Unsafe.Add(ref k0, c * d);
            for (var r = 0; r < rows; r++)
            {
                ref var qr = ref Unsafe.Add(ref q, r * d);
                var a = TOps.Zero;
                for (var x = 0; x < whole; x += w)
                {
                    a = TOps.MultiplyAdd(TOps.Load(ref Unsafe.Add(ref qr, x)), TOps.Load(ref Unsafe.Add(ref kr, x)), a);
                }

                var sum = TOps.SumAcross(a);
                for (var x = whole; x < d; x++)
                {
                    sum += Unsafe.Add(ref qr, x) * Unsafe.Add(ref kr, x);
                }

                Unsafe.Add(ref st, (r * bcPad) + c) = sum;
            }
        }
    }

    /// <summary>
    /// O[r] += Σ_c P[r, c] · v_c over the <paramref name="cols"/> value rows (<paramref name="dv"/> wide, unpadded) at
    /// <paramref name="vOffset"/>; output rows are <paramref name="dvPad"/> apart. Four vectors of one output row stay in
    /// registers while the keys stream past.
    /// </summary>
    public static void AccumulateValueRows(ReadOnlySpan<T> pTile, T[] v, long vOffset, Span<T> o, int rows, int cols, int bcPad, int dv, int dvPad)
    {
        ref var v0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(v), (nint)vOffset);
        var w = TOps.Count;
        var whole = dv - (dv % w);
        for (var r = 0; r < rows; r++)
        {
            ref var pr = ref Unsafe.Add(ref MemoryMarshal.GetReference(pTile), r * bcPad);
            ref var or = ref Unsafe.Add(ref MemoryMarshal.GetReference(o), r * dvPad);
            var x0 = 0;
            for (; x0 + (4 * w) <= whole; x0 += 4 * w)
            {
                ref var ox = ref Unsafe.Add(ref or, x0);
                TVec a = TOps.Load(ref ox), b = TOps.Load(ref Unsafe.Add(ref ox, w));
                TVec e = TOps.Load(ref Unsafe.Add(ref ox, 2 * w)), f = TOps.Load(ref Unsafe.Add(ref ox, 3 * w));
                ref var vx = ref Unsafe.Add(ref v0, x0);
                for (var c = 0; c < cols; c++)
                {
                    var pc = TOps.Broadcast(Unsafe.Add(ref pr, c));
                    a = TOps.MultiplyAdd(pc, TOps.Load(ref vx), a);
                    b = TOps.MultiplyAdd(pc, TOps.Load(ref Unsafe.Add(ref vx, w)), b);
                    e = TOps.MultiplyAdd(pc, TOps.Load(ref Unsafe.Add(ref vx, 2 * w)), e);
                    f = TOps.MultiplyAdd(pc, TOps.Load(ref Unsafe.Add(ref vx, 3 * w)), f);
                    vx = ref Unsafe.Add(ref vx, dv);
                }

                TOps.Store(a, ref ox);
                TOps.Store(b, ref Unsafe.Add(ref ox, w));
                TOps.Store(e, ref Unsafe.Add(ref ox, 2 * w));
                TOps.Store(f, ref Unsafe.Add(ref ox, 3 * w));
            }

            for (; x0 < whole; x0 += w)
            {
                ref var ox = ref Unsafe.Add(ref or, x0);
                var a = TOps.Load(ref ox);
                ref var vx = ref Unsafe.Add(ref v0, x0);
                for (var c = 0; c < cols; c++)
                {
                    a = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref pr, c)), TOps.Load(ref vx), a);
                    vx = ref Unsafe.Add(ref vx, dv);
                }

                TOps.Store(a, ref ox);
            }

            for (var x = whole; x < dv; x++)
            {
                var sum = Unsafe.Add(ref or, x);
                for (var c = 0; c < cols; c++)
                {
                    sum += Unsafe.Add(ref pr, c) * Unsafe.Add(ref v0, (c * dv) + x);
                }

                Unsafe.Add(ref or, x) = sum;
            }
        }
    }
}
