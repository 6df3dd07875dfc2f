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
    /// Checks the grammar and measures the number; on the way gathers its significant digits (when at most 19, so
    /// <paramref name="exact"/>) and the power of ten they are scaled by.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Scan(ReadOnlySpan<byte> json, out ulong mantissa, out int exponent, out bool exact)
    {
        mantissa = 0;
        exponent = 0;
        exact = true;
        var i = 0;
        if (i < json.Length && json[i] == '-')
        {
            i++;
        }

        var significant = 0; // digits counted from the first non-zero one
        if (i < json.Length && json[i] == '0')
        {
            i++;
        }
        else if (i < json.Length && IsDigit(json[i]))
        {
            while (i < json.Length && IsDigit(json[i]))
            {
                Accumulate(json[i], ref mantissa, ref significant, ref exponent, afterPoint: false);
                i++;
            }
        }
        else
        {
            return 0;
        }

        if (i < json.Length && json[i] == '.')
        {
            i++;
            if (i >= json.Length || !IsDigit(json[i]))
            {
                return 0;
            }

            while (i < json.Length && IsDigit(json[i]))
            {
                Accumulate(json[i], ref mantissa, ref significant, ref exponent, afterPoint: true);
                i++;
            }
        }

        if (i < json.Length && (json[i] | 0x20) == 'e')
        {
            i++;
            var negative = false;
            if (i < json.Length && json[i] is (byte)'+' or (byte)'-')
            {
                negative = json[i] == '-';
                i++;
            }

            if (i >= json.Length || !IsDigit(json[i]))
            {
                return 0;
            }

            var written = 0;
            while (i < json.Length && IsDigit(json[i]))
            {
                written = written < 100_000 ? (written * 10) + (json[i] - '0') : written; // past 1e5 only "huge" matters
                i++;
            }

            exponent += negative ? -written : written;
        }

        exact = significant <= 19;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(byte digit, ref ulong mantissa, ref int significant, ref int exponent, bool afterPoint)
    {
        if (significant < 19)
        {
            mantissa = (mantissa * 10) + (uint)(digit - '0');
            if (mantissa != 0)
            {
                significant++;
            }

            if (afterPoint)
            {
                exponent--;
            }
        }
        else
        {
            significant++; // more than 19 digits: the slow path parses the text itself
            if (!afterPoint)
            {
                exponent++;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
