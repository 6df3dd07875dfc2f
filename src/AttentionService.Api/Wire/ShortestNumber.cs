using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionService.Api.Wire;

/// <summary>
/// Writes finite float32 and float64 values as JSON numbers in UTF-8: the shortest digits that read back to the same
/// value in that precision (<see cref="Schubfach"/>), in plain notation for 1e-7 ≤ |x| &lt; 1e21 and as <c>1.5e-8</c>
/// otherwise (JavaScript's <c>Number.prototype.toString</c> layout). A float32 keeps its float32 digits:
/// 0.030351084, not the 17 digits of the double it widens to.
/// </summary>
public static class ShortestNumber
{
    /// <summary>The longest number written: sign, 17 digits, point, <c>e-324</c>, and the leading zeros of <c>0.000000…</c>.</summary>
    public const int MaxLength = 32;

    private static ReadOnlySpan<byte> TwoDigits => "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes) and returns the byte count.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite: JSON has no such numbers.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(float value, Span<byte> destination)
    {
        if (!float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON numbers are finite");
        }

        var negative = float.IsNegative(value);
        if (value == 0)
        {
            return WriteZero(negative, destination);
        }

        var (digits, exponent) = Schubfach.ToDecimal(Math.Abs(value));
        return Layout(negative, digits, exponent, destination);
    }

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes) and returns the byte count.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite: JSON has no such numbers.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(double value, Span<byte> destination)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON numbers are finite");
        }

        var negative = double.IsNegative(value);
        if (value == 0)
        {
            return WriteZero(negative, destination);
        }

        var (digits, exponent) = Schubfach.ToDecimal(Math.Abs(value));
        return Layout(negative, digits, exponent, destination);
    }

    /// <summary>Writes a row as a JSON array <c>[a,b,c]</c>; <paramref name="destination"/> needs <c>2 + count × (MaxLength + 1)</c> bytes.</summary>
    public static int WriteArray<T>(ReadOnlySpan<T> row, Span<byte> destination) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref var start = ref MemoryMarshal.GetReference(destination);
        _ = destination[(2 + (row.Length * (MaxLength + 1))) - 1]; // one bounds check for the whole row
        var n = 0;
        Unsafe.Add(ref start, n++) = (byte)'[';
        for (var i = 0; i < row.Length; i++)
        {
            if (i > 0)
            {
                Unsafe.Add(ref start, n++) = (byte)',';
            }

            var slot = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref start, n), MaxLength);
            n += typeof(T) == typeof(float)
                ? Write(Unsafe.As<T, float>(ref Unsafe.AsRef(in row[i])), slot)
                : Write(double.CreateTruncating(row[i]), slot);
        }

        Unsafe.Add(ref start, n++) = (byte)']';
        return n;
    }

    private static int WriteZero(bool negative, Span<byte> destination)
    {
        if (negative)
        {
            destination[0] = (byte)'-';
            destination[1] = (byte)'0';
            return 2;
        }

        destination[0] = (byte)'0';
        return 1;
    }

    /// <summary>Lays out <c>digits × 10^exponent</c>: trailing zeros dropped, then plain or scientific notation.</summary>
    private static int Layout(bool negative, ulong digits, int exponent, Span<byte> destination)
    {
        while (digits % 10 == 0)
        {
            digits /= 10;
            exponent++;
        }

        var count = CountDigits(digits);
        var point = count + exponent; // the decimal point sits after this many digits (<= 0: before them, with zeros)
        var n = 0;
        if (negative)
        {
            destination[n++] = (byte)'-';
        }

        if (point is > 0 and <= 21)
        {
            if (point >= count)
            {
                // 1234500: the digits, then zeros
                WriteDigits(digits, count, destination.Slice(n, count));
                n += count;
                destination.Slice(n, point - count).Fill((byte)'0');
                return n + point - count;
            }

            // 12.345: digits on both sides of the point
            WriteDigits(digits, count, destination.Slice(n + 1, count));
            destination.Slice(n + 1, point).CopyTo(destination.Slice(n, point));
            destination[n + point] = (byte)'.';
            return n + count + 1;
        }

        if (point is <= 0 and > -6)
        {
            // 0.00012345
            destination[n++] = (byte)'0';
            destination[n++] = (byte)'.';
            destination.Slice(n, -point).Fill((byte)'0');
            n -= point;
            WriteDigits(digits, count, destination.Slice(n, count));
            return n + count;
        }

        // 1.2345e-7, 1e+21: one digit before the point
        WriteDigits(digits, count, destination.Slice(n + 1, count));
        destination[n] = destination[n + 1];
        if (count > 1)
        {
            destination[n + 1] = (byte)'.';
            n += count + 1;
        }
        else
        {
            n++;
        }

        var scientific = point - 1;
        destination[n++] = (byte)'e';
        destination[n++] = scientific < 0 ? (byte)'-' : (byte)'+';
        var magnitude = (uint)Math.Abs(scientific);
        var width = magnitude >= 100 ? 3 : magnitude >= 10 ? 2 : 1;
        WriteDigits(magnitude, width, destination.Slice(n, width));
        return n + width;
    }

    /// <summary>Writes the <paramref name="count"/> decimal digits of <paramref name="value"/>, two at a time from the right.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteDigits(ulong value, int count, Span<byte> destination)
    {
        var i = count;
        while (value >= 100_000_000)
        {
            (value, var low) = Math.DivRem(value, 100_000_000);
            Write8((uint)low, destination.Slice(i - 8, 8));
            i -= 8;
        }

        var v = (uint)value;
        while (v >= 100)
        {
            (v, var pair) = Math.DivRem(v, 100);
            TwoDigits.Slice((int)pair * 2, 2).CopyTo(destination.Slice(i - 2, 2));
            i -= 2;
        }

        if (v >= 10)
        {
            TwoDigits.Slice((int)v * 2, 2).CopyTo(destination.Slice(i - 2, 2));
        }
        else
        {
            destination[i - 1] = (byte)('0' + v);
        }
    }

    private static void Write8(uint value, Span<byte> destination)
    {
        var (high, low) = Math.DivRem(value, 10_000);
        var (a, b) = Math.DivRem(high, 100);
        var (c, d) = Math.DivRem(low, 100);
        TwoDigits.Slice((int)a * 2, 2).CopyTo(destination);
        TwoDigits.Slice((int)b * 2, 2).CopyTo(destination[2..]);
        TwoDigits.Slice((int)c * 2, 2).CopyTo(destination[4..]);
        TwoDigits.Slice((int)d * 2, 2).CopyTo(destination[6..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CountDigits(ulong value)
    {
        // floor(log10) from the bit length, corrected by one comparison
        var guess = ((64 - BitOperations.LeadingZeroCount(value | 1)) * 1233) >> 12;
        return guess + (value >= PowersOfTen[guess] ? 1 : 0);
    }

    private static readonly ulong[] PowersOfTen =
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];
}
