using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionService.Api.Wire;

/// <summary>
/// <see cref="ShortestNumber.WriteArray{T}"/> for float32 rows with AVX-512: <see cref="Schubfach"/> and the digit
/// layout computed for eight values at once in 64-bit lanes, then the bytes stored one number at a time. The same
/// arithmetic as the scalar code, lane by lane (the tests compare the two on every row they write), so the same text:
/// the scalar path spent half of each number on Schubfach's multiplies and half on turning digits into characters,
/// neither of which branches on the value, which is what lanes do well. A block holding a subnormal, an infinity or a
/// NaN goes to the scalar path whole (which writes the subnormal and refuses the others); zeros and small integers
/// are lanes like any other. No unsafe code: tables are looked up by permutation, not gathered through pointers.
/// </summary>
internal static class Float32Rows
{
    public static bool IsSupported => Avx512F.IsSupported && Avx512DQ.IsSupported && Avx512CD.IsSupported;

    /// <summary>Writes <paramref name="row"/> as a JSON array; <paramref name="destination"/> needs <c>2 + count × (MaxLength + 1)</c> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // optimized from the first row, as ShortestNumber.WriteArray
    public static int WriteArray(ReadOnlySpan<float> row, Span<byte> destination)
    {
        ref var start = ref MemoryMarshal.GetReference(destination);
        _ = destination[(2 + (row.Length * (ShortestNumber.MaxLength + 1))) - 1]; // one bounds check for the whole row
        Span<ulong> words = stackalloc ulong[8];
        Span<ulong> digits = stackalloc ulong[8];
        Span<long> exponents = stackalloc long[8];
        Span<ulong> layouts = stackalloc ulong[8];
        ref var bits = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(row));

        // Every number is written after a ',', the first one's then replaced by the '['.
        var n = 0;
        var i = 0;
        for (; i + 8 <= row.Length; i += 8)
        {
            var block = Vector256.LoadUnsafe(ref bits, (nuint)i);
            if (!Decimals(Avx512F.ConvertToVector512UInt64(block), out var d, out var e))
            {
                for (var j = i; j < i + 8; j++)
                {
                    n = WriteScalar(ref start, n, row[j]);
                }

                continue;
            }

            Layout(d, e, out var word, out var layout);
            word.StoreUnsafe(ref MemoryMarshal.GetReference(words));
            layout.StoreUnsafe(ref MemoryMarshal.GetReference(layouts));
            d.StoreUnsafe(ref MemoryMarshal.GetReference(digits));
            e.StoreUnsafe(ref MemoryMarshal.GetReference(exponents));
            for (var j = 0; j < 8; j++)
            {
                Unsafe.Add(ref start, n++) = (byte)',';
                var negative = Unsafe.Add(ref bits, i + j) >> 31 != 0;
                var lane = layouts[j];
                if ((lane & FastLane) != 0)
                {
                    // 0.000ddd, with every part already worked out in the lane
                    n += ShortestNumber.StoreZeroPoint(ref Unsafe.Add(ref start, n), negative, (int)((lane >> 8) & 0xFF), (byte)lane, words[j], (int)((lane >> 16) & 0xFF));
                    continue;
                }

                var slot = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref start, n), ShortestNumber.MaxLength);
                n += digits[j] == 0 ? ShortestNumber.WriteZero(negative, slot) : ShortestNumber.Layout(negative, digits[j], (int)exponents[j], slot);
            }
        }

        for (; i < row.Length; i++)
        {
            n = WriteScalar(ref start, n, row[i]);
        }

        start = (byte)'[';
        n = Math.Max(n, 1);
        Unsafe.Add(ref start, n++) = (byte)']';
        return n;
    }

    /// <summary>',' and <paramref name="value"/> by <see cref="ShortestNumber.Write(float, Span{byte})"/> at <paramref name="n"/>; returns where the next goes.</summary>
    private static int WriteScalar(ref byte start, int n, float value)
    {
        Unsafe.Add(ref start, n++) = (byte)',';
        return n + ShortestNumber.Write(value, MemoryMarshal.CreateSpan(ref Unsafe.Add(ref start, n), ShortestNumber.MaxLength));
    }

    /// <summary>In a lane of the layout: the number is written as <c>0.000ddd</c>, its parts in the lane's low bytes.</summary>
    private const ulong FastLane = 1UL << 24;

    /// <summary>
    /// Schubfach's <c>ToDecimal(float)</c> for the float32 bit patterns in <paramref name="bits"/>: false when a lane is
    /// subnormal or not finite. Zeros give digits 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Decimals(Vector512<ulong> bits, out Vector512<ulong> digits, out Vector512<long> exponents)
    {
        var fraction = bits & Vector512.Create(0x7F_FFFFUL);
        var biased = (bits >> 23) & Vector512.Create(0xFFUL);
        var zero = Vector512.Equals(bits & Vector512.Create(0x7FFF_FFFFUL), Vector512<ulong>.Zero);
        var special = (Vector512.Equals(biased, Vector512<ulong>.Zero) & ~zero) | Vector512.Equals(biased, Vector512.Create(0xFFUL));
        if (special != Vector512<ulong>.Zero)
        {
            digits = default;
            exponents = default;
            return false;
        }

        var c = fraction | Vector512.Create(0x80_0000UL);
        var q = biased.AsInt64() - Vector512.Create(150L);
        var lowerIsCloser = Vector512.Equals(fraction, Vector512<ulong>.Zero) & Vector512.GreaterThan(biased, Vector512<ulong>.One);
        var k = Vector512.ShiftRightArithmetic((q * Vector512.Create(1262611L)) - (lowerIsCloser.AsInt64() & Vector512.Create(524031L)), 22);
        var h = q + Vector512.ShiftRightArithmetic(-k * Vector512.Create(1741647L), 19) + Vector512<long>.One;
        var g = Lookup(-k - Vector512.Create((long)Schubfach.Float32TableStart));
        var c4 = c << 2;
        var shift = h.AsUInt64();
        var vbl = RoundToOdd(g, Avx512F.ShiftLeftLogicalVariable(c4 - Vector512.Create(2UL) + (lowerIsCloser & Vector512<ulong>.One), shift));
        var vb = RoundToOdd(g, Avx512F.ShiftLeftLogicalVariable(c4, shift));
        var vbr = RoundToOdd(g, Avx512F.ShiftLeftLogicalVariable(c4 + Vector512.Create(2UL), shift));
        var odd = c & Vector512<ulong>.One;
        var lower = vbl + odd;
        var upper = vbr - odd;

        // Schubfach.Choose, lane by lane.
        var s = vb >> 2;
        var sp = Avx512F.Multiply(s.AsUInt32(), Vector512.Create(0xCCCC_CCCDUL).AsUInt32()) >> 35; // s / 10, s < 2^32
        var forty = Vector512.Create(40UL) * sp;
        var upInside = Vector512.LessThanOrEqual(lower, forty);
        var wpInside = Vector512.LessThanOrEqual(forty + Vector512.Create(40UL), upper);
        var shorter = (upInside ^ wpInside) & Vector512.GreaterThanOrEqual(s, Vector512.Create(10UL));
        var four = s << 2;
        var uInside = Vector512.LessThanOrEqual(lower, four);
        var wInside = Vector512.LessThanOrEqual(four + Vector512.Create(4UL), upper);
        var mid = four + Vector512.Create(2UL);
        var roundUp = Vector512.GreaterThan(vb, mid) | (Vector512.Equals(vb, mid) & Vector512.Equals(s & Vector512<ulong>.One, Vector512<ulong>.One));
        var oneInside = uInside ^ wInside;
        var up = (oneInside & wInside) | (~oneInside & roundUp);
        var chosen = Vector512.ConditionalSelect(shorter, sp + (wpInside & Vector512<ulong>.One), s + (up & Vector512<ulong>.One));
        var exponent = k - shorter.AsInt64();

        // Integers below 2^24 are their own digits (Schubfach.ToDecimal's first case), zeros are 0.
        var integerShift = (-q).AsUInt64();
        var isInteger = Vector512.LessThanOrEqual(q, Vector512<long>.Zero).AsUInt64() & Vector512.GreaterThan(q, Vector512.Create(-24L)).AsUInt64()
            & Vector512.Equals(c & (Avx512F.ShiftLeftLogicalVariable(Vector512<ulong>.One, integerShift) - Vector512<ulong>.One), Vector512<ulong>.Zero);
        chosen = Vector512.ConditionalSelect(isInteger, Avx512F.ShiftRightLogicalVariable(c, integerShift), chosen);
        exponent = Vector512.ConditionalSelect(isInteger.AsInt64(), Vector512<long>.Zero, exponent);
        digits = ~zero & chosen;
        exponents = ~zero.AsInt64() & exponent;
        return true;
    }

    /// <summary>The 64-bit table entry of each lane's index (0 to 79) by five two-table permutations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Lookup(Vector512<long> index)
    {
        var table = Schubfach.Pow10Float32Vectors;
        var i = index.AsUInt64();
        var g = Avx512F.PermuteVar8x64x2(table[0], i, table[1]);
        g = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(16UL)), Avx512F.PermuteVar8x64x2(table[2], i, table[3]), g);
        g = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(32UL)), Avx512F.PermuteVar8x64x2(table[4], i, table[5]), g);
        g = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(48UL)), Avx512F.PermuteVar8x64x2(table[6], i, table[7]), g);
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(64UL)), Avx512F.PermuteVar8x64x2(table[8], i, table[9]), g);
    }

    /// <summary>Schubfach.RoundToOdd(g, cp) in each lane: bits 64 to 95 of g · cp, or-ed with whether bits 32 to 63 exceed 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> RoundToOdd(Vector512<ulong> g, Vector512<ulong> cp)
    {
        var low = Avx512F.Multiply(g.AsUInt32(), cp.AsUInt32());           // (g mod 2^32) · cp
        var high = Avx512F.Multiply((g >> 32).AsUInt32(), cp.AsUInt32());  // (g / 2^32) · cp
        var y = high + (low >> 32);                                        // g · cp / 2^32, below 2^62
        return (y >> 32) | (Vector512.GreaterThan(y & Vector512.Create(0xFFFF_FFFFUL), Vector512<ulong>.One) & Vector512<ulong>.One);
    }

    /// <summary>
    /// For each lane's <c>digits × 10^exponent</c>: whether it is laid out as <c>0.000ddd</c> and, if so, its nine digits
    /// padded (the first as a character in the layout's lowest byte, the other eight as <paramref name="word"/>), the
    /// bytes <c>"0.0…"</c> takes (byte 1) and the significant digits (byte 2), as ShortestNumber.LayoutFloat32 computes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Layout(Vector512<ulong> digits, Vector512<long> exponents, out Vector512<ulong> word, out Vector512<ulong> layout)
    {
        var bitLength = Vector512.Create(64UL) - Avx512CD.LeadingZeroCount(digits | Vector512<ulong>.One);
        var guess = Avx512F.Multiply(bitLength.AsUInt32(), Vector512.Create(1233UL).AsUInt32()) >> 12;
        var powers = Avx512F.PermuteVar8x64x2(
            Vector512.Create(1UL, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000), guess,
            Vector512.Create(100_000_000UL, 1_000_000_000, 10_000_000_000, 0, 0, 0, 0, 0));
        var count = guess - Vector512.GreaterThanOrEqual(digits, powers);
        var point = count.AsInt64() + exponents;
        var padding = Avx512F.PermuteVar8x64x2(
            Vector512.Create(0UL, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100), count,
            Vector512.Create(10UL, 1, 0, 0, 0, 0, 0, 0));
        var padded = Avx512F.Multiply(digits.AsUInt32(), padding.AsUInt32());
        var first = Avx512F.Multiply(padded.AsUInt32(), Vector512.Create(0x55E6_3B89UL).AsUInt32()) >> 57; // padded / 10^8
        var rest = padded - Avx512F.Multiply(first.AsUInt32(), Vector512.Create(100_000_000UL).AsUInt32());

        // ShortestNumber.EightDigits in each lane.
        var high = Avx512F.Multiply(rest.AsUInt32(), Vector512.Create(0xD1B7_1759UL).AsUInt32()) >> 45;   // rest / 10^4
        var low = rest - Avx512F.Multiply(high.AsUInt32(), Vector512.Create(10_000UL).AsUInt32());
        var x = high | (low << 32);
        var hundreds = (Avx512DQ.MultiplyLow(x, Vector512.Create(10486UL)) >> 20) & Vector512.Create(0x0000_007F_0000_007FUL);
        x = hundreds | ((x - Avx512DQ.MultiplyLow(hundreds, Vector512.Create(100UL))) << 16);
        var tens = (Avx512DQ.MultiplyLow(x, Vector512.Create(103UL)) >> 10) & Vector512.Create(0x000F_000F_000F_000FUL);
        x = tens | ((x - Avx512DQ.MultiplyLow(tens, Vector512.Create(10UL))) << 8);
        var zeros = Vector512.Create(ShortestNumber.AsciiZeros);
        word = x | zeros;
        var significant = Vector512.Create(9UL) - (Avx512CD.LeadingZeroCount(word ^ zeros) >> 3);

        var fast = Vector512.GreaterThanOrEqual(point, Vector512.Create(-5L)).AsUInt64() & Vector512.LessThanOrEqual(point, Vector512<long>.Zero).AsUInt64()
            & Vector512.LessThanOrEqual(count, Vector512.Create(9UL)) & ~Vector512.Equals(digits, Vector512<ulong>.Zero);
        var bytes = Vector512.Create(0xFFUL);
        layout = (first + Vector512.Create((ulong)'0'))
            | (((Vector512.Create(2L) - point).AsUInt64() & bytes) << 8)
            | ((significant & bytes) << 16)
            | (fast & Vector512.Create(FastLane));
    }
}
