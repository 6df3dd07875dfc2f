using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using csFastFloat;

namespace AttentionService.Api.Wire;

/// <summary>
/// Parses one JSON number (RFC 8259 grammar, nothing more: no <c>+1</c>, <c>.5</c>, <c>01</c>, <c>NaN</c>) from UTF-8 with
/// IEEE round-to-nearest-even. Up to 19 significant digits and a power of ten that doubles hold exactly take Clinger's
/// fast path (one exact multiply or divide); everything else goes to csFastFloat (Lemire's Eisel-Lemire algorithm with
/// its exact fallback). Float32 is parsed directly, never by rounding a double (which could round twice).
/// </summary>
public static class JsonNumber
{
    private static ReadOnlySpan<double> ExactPowers => [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>
    /// Reads the number at the start of <paramref name="json"/> as a double; returns the bytes it spans, or 0 when the
    /// text there is not a JSON number. Values beyond double's range become infinities (the caller refuses them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Parse(ReadOnlySpan<byte> json, out double value)
    {
        var length = Scan(json, out var mantissa, out var exponent, out var exact);
        if (length == 0)
        {
            value = 0;
            return 0;
        }

        if (exact && mantissa <= (1UL << 53) && exponent is >= -22 and <= 22)
        {
            double m = (long)mantissa; // below 2^53: the signed conversion is exact and one instruction
            value = exponent >= 0 ? m * ExactPowers[exponent] : m / ExactPowers[-exponent];

            // The sign as a bit rather than a branch: signs alternate at random in real data.
            var sign = (ulong)Unsafe.BitCast<bool, byte>(json[0] == '-') << 63;
            value = BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(value) | sign);
            return length;
        }

        value = FastDoubleParser.ParseDouble(json[..length]);
        return length;
    }

    /// <summary>
    /// The common case of a tensor at full speed: from <paramref name="pos"/> (at a number), a run of numbers joined by
    /// commas and whitespace into <paramref name="destination"/>; plain decimals such as <c>-0.1234</c> (at most 16 digits
    /// before and after the point, 19 in all, no exponent part) by Clinger's fast path inline, any other number by
    /// <see cref="Parse(ReadOnlySpan{byte}, out double)"/>. Returns how many were stored. With <paramref name="atNumber"/>
    /// <paramref name="pos"/> is at a number left for the caller (not a number after all, an infinity, a float32
    /// midpoint, the last bytes of the text, a full destination); without, at the end of the last number stored, which
    /// no further number follows. The same values and the same refusals as number by number, for a fraction of the
    /// work: one small loop whose state stays in registers and whose reads of a plain decimal need no bounds checks (its
    /// bytes lie inside a window checked once).
    /// </summary>
    public static int ParseRun(ReadOnlySpan<byte> json, ref int pos, Span<double> destination, out bool atNumber)
    {
        ref var text = ref MemoryMarshal.GetReference(json);
        var limit = json.Length - RunWindow;
        var count = 0;
        var p = pos;
        atNumber = true;
        while (p <= limit && count < destination.Length)
        {
            // p + RunWindow <= json.Length: the reads below stay inside, the furthest at p + 1 + 16 + 1 + 16 (the byte
            // after sixteen fraction digits).
            var negative = Unsafe.BitCast<bool, byte>(Unsafe.Add(ref text, p) == '-');
            var i = p + negative;
            var mantissa = 0UL;
            var fraction = 0;
            var lead = Unsafe.Add(ref text, i);
            bool plain;
            if (lead == '0')
            {
                i++; // a leading zero stands alone
                plain = true;
            }
            else
            {
                plain = IsDigit(lead) && SixteenDigits(ref text, ref i, ref mantissa);
            }

            var digits = i - p - negative;
            if (plain && Unsafe.Add(ref text, i) == '.')
            {
                var fractionStart = ++i;
                plain = SixteenDigits(ref text, ref i, ref mantissa) && i != fractionStart;
                fraction = i - fractionStart;
                digits += fraction;
            }

            double value;
            if (plain && (Unsafe.Add(ref text, i) | 0x20) != 'e' && digits <= 19 && mantissa <= (1UL << 53))
            {
                value = (long)mantissa;
                value /= ExactPowers[fraction]; // fraction <= 16: the power is exact, so the quotient is correctly rounded
                value = BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(value) | ((ulong)negative << 63));
            }
            else
            {
                // Any other number (an exponent, 17 significant digits as in a float32 printed as a double) in the run,
                // read as one at a time would; an error or an infinity stops the run where it is for the loop to report.
                var read = ParseApart(json[p..], out value);
                if (read == 0 || !double.IsFinite(value))
                {
                    break;
                }

                i = p + read;
            }

            if (Float32Fixups.IsMidpoint(value))
            {
                break;
            }

            destination[count++] = value;
            var next = NextInRun(json, i);
            if (next < 0)
            {
                pos = i;
                atNumber = false;
                return count;
            }

            p = next;
        }

        pos = p;
        return count;
    }

    /// <summary>
    /// Where the next number of a run starts, after the ',' at <paramref name="end"/> (where a number ended) and any
    /// whitespace (Python's <c>json.dumps</c> writes <c>", "</c>); -1 when the run ends there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int NextInRun(ReadOnlySpan<byte> json, int end)
    {
        if ((uint)end >= (uint)json.Length || json[end] != ',')
        {
            return -1;
        }

        var next = end + 1;
        while ((uint)next < (uint)json.Length && json[next] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            next++;
        }

        return (uint)next < (uint)json.Length && (json[next] == '-' || IsDigit(json[next])) ? next : -1;
    }

    /// <summary><see cref="Parse(ReadOnlySpan{byte}, out double)"/> as a call, to keep its fallbacks out of <see cref="ParseRun"/>'s loop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ParseApart(ReadOnlySpan<byte> json, out double value) => Parse(json, out value);

    /// <summary>The bytes <see cref="ParseRun"/> needs from a number's start to read it without bounds checks.</summary>
    private const int RunWindow = 48;

    /// <summary>
    /// Adds the run of digits at <paramref name="i"/> to <paramref name="mantissa"/> and moves past it, as
    /// <see cref="ReadDigits"/> does, or returns false when it is longer than 16 digits. Reads 17 bytes at most.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SixteenDigits(ref byte text, ref int i, ref ulong mantissa)
    {
        var word = ReadWord(ref Unsafe.Add(ref text, i));
        var others = NotDigits(word);
        if (others == 0)
        {
            mantissa = (mantissa * 100_000_000) + EightDigits(word);
            i += 8;
            word = ReadWord(ref Unsafe.Add(ref text, i));
            others = NotDigits(word);
            if (others == 0)
            {
                mantissa = (mantissa * 100_000_000) + EightDigits(word);
                i += 8;
                return !IsDigit(Unsafe.Add(ref text, i)); // sixteen digits, and a seventeenth is too many
            }
        }

        var n = BitOperations.TrailingZeroCount(others) >> 3;
        if (n > 0)
        {
            mantissa = AddLeadingDigits(mantissa, word, n);
            i += n;
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadWord(ref byte source)
    {
        var word = Unsafe.ReadUnaligned<ulong>(ref source);
        return BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);
    }

    /// <summary>
    /// <paramref name="mantissa"/> followed by the first <paramref name="n"/> (1 to 7) digits of <paramref name="word"/>:
    /// moved to the word's end behind '0's, they make the same sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddLeadingDigits(ulong mantissa, ulong word, int n) =>
        (mantissa * PowersOfTen[n]) + EightDigits((word << (8 * (8 - n))) | (AsciiZeros >> (8 * n)));

    /// <summary>Reads the number at the start of <paramref name="json"/> as a float32, rounded once; returns the bytes it spans or 0.</summary>
    public static int Parse(ReadOnlySpan<byte> json, out float value)
    {
        var length = Scan(json, out var mantissa, out var exponent, out var exact);
        if (length == 0)
        {
            value = 0;
            return 0;
        }

        if (exact && mantissa <= (1UL << 24) && exponent is >= -10 and <= 10)
        {
            float m = mantissa;
            value = exponent >= 0 ? m * (float)ExactPowers[exponent] : m / (float)ExactPowers[-exponent];
            if (json[0] == '-')
            {
                value = -value;
            }

            return length;
        }

        value = FastFloatParser.ParseFloat(json[..length]);
        return length;
    }

    /// <summary>
    /// Checks the grammar and measures the number; on the way gathers its digits as one integer (exact when at most 19
    /// of them are significant, so <paramref name="exact"/>) and the power of ten they are scaled by.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Scan(ReadOnlySpan<byte> json, out ulong mantissa, out int exponent, out bool exact)
    {
        // Every digit goes into the mantissa, leading zeros included (they add nothing) and past 19 digits too (it wraps,
        // unused then): one multiply-add per digit and no branch on where the significant digits start. Only numbers of
        // more than 19 digits are looked at again, to count their leading zeros.
        mantissa = 0;
        exponent = 0;
        exact = false;
        var i = 0;
        if (json.IsEmpty)
        {
            return 0;
        }

        i = Unsafe.BitCast<bool, byte>(json[0] == '-'); // no branch on the sign
        var first = i;
        if ((uint)i >= (uint)json.Length || !IsDigit(json[i]))
        {
            return 0;
        }

        if (json[i] == '0')
        {
            i++; // a leading zero stands alone: "01" ends after the 0
        }
        else
        {
            ReadDigits(json, ref i, ref mantissa);
        }

        var digits = i - first;
        if ((uint)i < (uint)json.Length && json[i] == '.')
        {
            i++;
            var fractionStart = i;
            ReadDigits(json, ref i, ref mantissa);

            if (i == fractionStart)
            {
                return 0;
            }

            exponent = fractionStart - i;
            digits += i - fractionStart;
        }

        if ((uint)i < (uint)json.Length && (json[i] | 0x20) == 'e')
        {
            i++;
            var negative = false;
            if ((uint)i < (uint)json.Length && json[i] is (byte)'+' or (byte)'-')
            {
                negative = json[i] == '-';
                i++;
            }

            if ((uint)i >= (uint)json.Length || !IsDigit(json[i]))
            {
                return 0;
            }

            var written = 0;
            while ((uint)i < (uint)json.Length && IsDigit(json[i]))
            {
                written = written < 100_000 ? (written * 10) + (json[i] - '0') : written; // past 1e5 only "huge" matters
                i++;
            }

            exponent += negative ? -written : written;
        }

        exact = digits <= 19 || digits - LeadingZeros(json[first..i]) <= 19;
        return i;
    }

    /// <summary>The zero digits before the first non-zero one (the point skipped), as in <c>0.000123</c>.</summary>
    private static int LeadingZeros(ReadOnlySpan<byte> number)
    {
        var zeros = 0;
        foreach (var b in number)
        {
            if (b == '0')
            {
                zeros++;
            }
            else if (b != '.')
            {
                break;
            }
        }

        return zeros;
    }

    /// <summary>
    /// Adds the run of digits at <paramref name="i"/> to <paramref name="mantissa"/> and moves past it, eight bytes at a
    /// time while eight remain (a number in a tensor is always followed by at least its array's <c>]</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ReadDigits(ReadOnlySpan<byte> json, ref int i, ref ulong mantissa)
    {
        while (i <= json.Length - 8)
        {
            var word = BinaryPrimitives.ReadUInt64LittleEndian(json.Slice(i, 8));
            var others = NotDigits(word);
            if (others == 0)
            {
                mantissa = (mantissa * 100_000_000) + EightDigits(word);
                i += 8;
                continue;
            }

            // The run ends inside this word.
            var n = BitOperations.TrailingZeroCount(others) >> 3;
            if (n > 0)
            {
                mantissa = AddLeadingDigits(mantissa, word, n);
                i += n;
            }

            return;
        }

        while ((uint)i < (uint)json.Length && IsDigit(json[i]))
        {
            mantissa = (mantissa * 10) + (uint)(json[i] - '0');
            i++;
        }
    }

    private const ulong AsciiZeros = ShortestNumber.AsciiZeros;

    private static ReadOnlySpan<ulong> PowersOfTen => [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

    /// <summary>
    /// The high bit of every byte of <paramref name="word"/> that is not an ASCII digit, exact up to the first such byte
    /// (a carry or borrow only ever runs from a non-digit to the bytes after it): adding 0x46 reaches 0x80 above '9',
    /// subtracting 0x30 borrows below '0'. SWAR, as in fast_float (Daniel Lemire et al., MIT/Apache-2.0), rewritten here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong NotDigits(ulong word) => ((word + 0x4646_4646_4646_4646) | (word - AsciiZeros)) & 0x8080_8080_8080_8080;

    /// <summary>
    /// The number eight ASCII digits spell, first digit in the lowest byte, by three multiplies that join digits
    /// pairwise, then pairs of pairs, then the halves (fast_float's technique, as above).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint EightDigits(ulong word)
    {
        word -= AsciiZeros;
        word = (word * 10) + (word >> 8); // each even byte: two digits as a number 0..99
        const ulong mask = 0x0000_00FF_0000_00FF;
        const ulong mul1 = 100 + (1_000_000UL << 32);
        const ulong mul2 = 1 + (10_000UL << 32);
        return (uint)((((word & mask) * mul1) + (((word >> 16) & mask) * mul2)) >> 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
