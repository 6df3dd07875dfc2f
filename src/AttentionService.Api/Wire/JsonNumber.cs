using System.Buffers.Binary;
using System.Runtime.CompilerServices;
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
            double m = mantissa;
            value = exponent >= 0 ? m * ExactPowers[exponent] : m / ExactPowers[-exponent];
            if (json[0] == '-')
            {
                value = -value;
            }

            return length;
        }

        value = FastDoubleParser.ParseDouble(json[..length]);
        return length;
    }

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

        if (json[0] == '-')
        {
            i = 1;
        }

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
            while ((uint)i < (uint)json.Length && IsDigit(json[i]))
            {
                mantissa = (mantissa * 10) + (uint)(json[i] - '0');
                i++;
            }
        }

        var digits = i - first;
        if ((uint)i < (uint)json.Length && json[i] == '.')
        {
            i++;
            var fractionStart = i;
            while (i <= json.Length - 8 && TryEightDigits(json.Slice(i, 8), out var eight))
            {
                mantissa = (mantissa * 100_000_000) + eight;
                i += 8;
            }

            while ((uint)i < (uint)json.Length && IsDigit(json[i]))
            {
                mantissa = (mantissa * 10) + (uint)(json[i] - '0');
                i++;
            }

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
    /// Reads eight ASCII digits at once when all eight are digits (SWAR: one 64-bit load, a check of all eight bytes,
    /// and three multiplies that combine digits pairwise, then pairs of pairs). The technique is fast_float's
    /// (Daniel Lemire et al., MIT/Apache-2.0), written here for spans rather than copied.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryEightDigits(ReadOnlySpan<byte> eightBytes, out uint value)
    {
        var chunk = BinaryPrimitives.ReadUInt64LittleEndian(eightBytes);
        // A byte is a digit when adding 0x46 does not reach 0x80 and subtracting 0x30 does not borrow.
        if ((((chunk + 0x4646_4646_4646_4646) | (chunk - 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080) != 0)
        {
            value = 0;
            return false;
        }

        chunk -= 0x3030_3030_3030_3030;
        chunk = (chunk * 10) + (chunk >> 8); // each even byte: two digits as a number 0..99
        const ulong mask = 0x0000_00FF_0000_00FF;
        const ulong mul1 = 100 + (1_000_000UL << 32);
        const ulong mul2 = 1 + (10_000UL << 32);
        value = (uint)((((chunk & mask) * mul1) + (((chunk >> 16) & mask) * mul2)) >> 32);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
