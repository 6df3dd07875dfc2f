using System.Numerics;
using System.Runtime.InteropServices;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// The vector operations on one row of scores that the softmax needs: min and max, exp2 and sum, scaling, masking and
/// the overflow check. Rows are whole vectors long (the tiles pad them) unless a method says otherwise.
/// </summary>
internal static class RowOps<T, TVec, TOps>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVec : struct
    where TOps : struct, ISimd<TVec, T>
{
    public static readonly T Log2E = T.CreateTruncating(1.4426950408889634);

    /// <summary>
    /// The max of the first <paramref name="cols"/> scores (any length), and whether all are finite. The hardware's max
    /// serves (one instruction; the IEEE max spends several on NaN) because non-finite scores are caught apart:
    /// x - x is NaN exactly when x is ±inf or NaN, and a NaN sticks in the sum.
    /// </summary>
    public static (T Max, bool Finite) MaxChecked(Span<T> row, int cols)
    {
        // Two vectors a step into two pairs of chains: one chain was bound by the latency of its add, not by throughput.
        var w = TOps.Count;
        var max = TOps.Broadcast(T.NegativeInfinity);
        var max2 = max;
        var check = TOps.Zero;
        var check2 = check;
        var c = 0;
        for (; c + (2 * w) <= cols; c += 2 * w)
        {
            var x = TOps.Load(ref row[c]);
            var y = TOps.Load(ref row[c + w]);
            max = TOps.MaxNative(max, x);
            max2 = TOps.MaxNative(max2, y);
            check = TOps.Add(check, TOps.Subtract(x, x));
            check2 = TOps.Add(check2, TOps.Subtract(y, y));
        }

        for (; c + w <= cols; c += w)
        {
            var x = TOps.Load(ref row[c]);
            max = TOps.MaxNative(max, x);
            check = TOps.Add(check, TOps.Subtract(x, x));
        }

        var hi = TOps.MaxAcross(TOps.MaxNative(max, max2));
        var finite = T.IsFinite(TOps.SumAcross(TOps.Add(check, check2)));
        for (; c < cols; c++)
        {
            var x = row[c];
            finite &= T.IsFinite(x);
            hi = T.Max(hi, x);
        }

        return (hi, finite);
    }

    /// <summary>The row's maximum; NaN anywhere makes it NaN, so overflow cannot hide.</summary>
    public static T Max(Span<T> row)
    {
        var acc = TOps.Broadcast(T.NegativeInfinity);
        for (var c = 0; c < row.Length; c += TOps.Count)
        {
            acc = TOps.Max(acc, TOps.Load(ref row[c]));
        }

        return TOps.MaxAcross(acc);
    }

    /// <summary>row = e^(row - max) = 2^((row - max)·log2 e) in place; returns the sum.</summary>
    public static T Exp2AndSum(Span<T> row, T max)
    {
        var m = TOps.Broadcast(max);
        var log2E = TOps.Broadcast(Log2E);
        var acc = TOps.Zero;
        var acc2 = acc;
        var w = TOps.Count;
        var c = 0;
        for (; c + (2 * w) <= row.Length; c += 2 * w)
        {
            // Two vectors a step, two sums: one sum's add latency bounded the loop.
            ref var x = ref row[c];
            ref var y = ref row[c + w];
            var e = TOps.Exp2(TOps.Multiply(TOps.Subtract(TOps.Load(ref x), m), log2E));
            var f = TOps.Exp2(TOps.Multiply(TOps.Subtract(TOps.Load(ref y), m), log2E));
            TOps.Store(e, ref x);
            TOps.Store(f, ref y);
            acc = TOps.Add(acc, e);
            acc2 = TOps.Add(acc2, f);
        }

        for (; c < row.Length; c += w)
        {
            ref var x = ref row[c];
            var e = TOps.Exp2(TOps.Multiply(TOps.Subtract(TOps.Load(ref x), m), log2E));
            TOps.Store(e, ref x);
            acc = TOps.Add(acc, e);
        }

        return TOps.SumAcross(TOps.Add(acc, acc2));
    }

    /// <summary>2^x for one number, by the path's vector exp2 (the same accuracy as the row's exponentials).</summary>
    public static T Exp2(T x) => TOps.MaxAcross(TOps.Exp2(TOps.Broadcast(x)));

    /// <summary>row *= factor.</summary>
    public static void Scale(Span<T> row, T factor)
    {
        var f = TOps.Broadcast(factor);
        for (var c = 0; c < row.Length; c += TOps.Count)
        {
            ref var x = ref row[c];
            TOps.Store(TOps.Multiply(TOps.Load(ref x), f), ref x);
        }
    }

    /// <summary>
    /// destination = source · factor over the destination's length (any); <paramref name="source"/> is that long rounded
    /// up to whole vectors. Returns whether every result is finite (the check of <see cref="MaxChecked"/>, one add a
    /// vector), so that an output row that overflowed is caught while it is written, not by a pass over the whole
    /// output afterwards. A few vectors a row, once per output row, where TensorPrimitives' general loop (overlap and
    /// alignment checks, its own tail handling) costs more than the arithmetic.
    /// </summary>
    public static bool ScaleInto(ReadOnlySpan<T> source, T factor, Span<T> destination)
    {
        var f = TOps.Broadcast(factor);
        var check = TOps.Zero;
        var c = 0;
        for (; c + TOps.Count <= destination.Length; c += TOps.Count)
        {
            var y = TOps.Multiply(TOps.Load(ref MemoryMarshal.GetReference(source[c..])), f);
            TOps.Store(y, ref destination[c]);
            check = TOps.Add(check, TOps.Subtract(y, y));
        }

        var finite = T.IsFinite(TOps.SumAcross(check));
        for (; c < destination.Length; c++)
        {
            destination[c] = source[c] * factor;
            finite &= T.IsFinite(destination[c]);
        }

        return finite;
    }

    /// <summary>Forbidden keys score -inf (any length).</summary>
    public static void ApplyMask(Span<T> row, ReadOnlySpan<bool> allowed)
    {
        for (var c = 0; c < allowed.Length; c++)
        {
            if (!allowed[c])
            {
                row[c] = T.NegativeInfinity;
            }
        }
    }

    /// <summary>Whether any of <paramref name="rows"/> mask rows of <paramref name="m"/> allows a key in <c>[j0, j0 + cols)</c>.</summary>
    public static bool AnyAllowed(ReadOnlySpan<bool> mask, int m, int rows, int j0, int cols)
    {
        for (var r = 0; r < rows; r++)
        {
            if (MemoryMarshal.AsBytes(mask.Slice((r * m) + j0, cols)).IndexOfAnyExcept((byte)0) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A score that overflowed (±inf or NaN from inf - inf) where the query may attend is an overflow, not a mask:
    /// reading -inf as "masked" would silently drop the key. Forbidden positions may overflow harmlessly.
    /// </summary>
    public static void ThrowIfAllowedOverflow(ReadOnlySpan<T> row, ReadOnlySpan<bool> mask, int lastAllowed)
    {
        for (var c = 0; c < row.Length && c <= lastAllowed; c++)
        {
            if (!T.IsFinite(row[c]) && (mask.IsEmpty || mask[c]))
            {
                throw AttentionOverflowException.For<T>();
            }
        }
    }
}
