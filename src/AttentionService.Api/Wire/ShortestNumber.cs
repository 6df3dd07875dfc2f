using System.Buffers.Binary;
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
        return LayoutFloat32(negative, digits, exponent, destination);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // optimized from the first row (see Schubfach.ToDecimal)
    public static int WriteArray<T>(ReadOnlySpan<T> row, Span<byte> destination) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Float32Rows.IsSupported)
        {
            return Float32Rows.WriteArray(MemoryMarshal.Cast<T, float>(row), destination);
        }

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

    internal static int WriteZero(bool negative, Span<byte> destination)
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

    /// <summary>
    /// Lays out <c>digits × 10^exponent</c>: trailing zeros dropped, then plain or scientific notation. Digits are made
    /// eight at a time in a register (<see cref="EightDigits"/>) and stored with 8-byte writes that may run past the
    /// number's end: the caller's <see cref="MaxLength"/> bytes leave room, and the next number overwrites the excess.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int Layout(bool negative, ulong digits, int exponent, Span<byte> destination)
    {
        while (digits % 10 == 0)
        {
            digits /= 10;
            exponent++;
        }

        var count = CountDigits(digits);
        var point = count + exponent; // the decimal point sits after this many digits (<= 0: before them, with zeros)
        destination[0] = (byte)'-';
        var n = negative ? 1 : 0;
        if (point is > 0 and <= 21)
        {
            if (point >= count)
            {
                // 1234500: the digits, then zeros
                WriteDigits(digits, count, destination[n..]);
                n += count;
                destination.Slice(n, point - count).Fill((byte)'0');
                return n + point - count;
            }

            // 12.345: the digits one place on, then those before the point moved back over the gap
            WriteDigits(digits, count, destination[(n + 1)..]);
            for (var i = n; i < n + point; i++)
            {
                destination[i] = destination[i + 1];
            }

            destination[n + point] = (byte)'.';
            return n + count + 1;
        }

        if (point is <= 0 and > -6)
        {
            // 0.00012345: "0." and up to six zeros in one write, then the digits over the zeros not wanted
            BinaryPrimitives.WriteUInt64LittleEndian(destination[n..], ZeroPointZeros);
            n += 2 - point;
            WriteDigits(digits, count, destination[n..]);
            return n + count;
        }

        // 1.2345e-7, 1e+21: one digit before the point
        WriteDigits(digits, count, destination[(n + 1)..]);
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
        WriteDigits(magnitude, width, destination[n..]);
        return n + width;
    }

    /// <summary>
    /// <see cref="Layout"/> for float32's at most nine digits, without a branch on their count in the common layout
    /// <c>0.000ddd</c> (every weight, and most outputs): the digits are padded to nine with zeros at the end and written
    /// as one digit and an 8-byte word; the padding, and any zeros the digits end in, are counted off from that word
    /// (its trailing '0' bytes) instead of by dividing. Branching on 8 or 9 digits cost a misprediction on about every
    /// other number of a softmax row. Other layouts go to <see cref="Layout"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LayoutFloat32(bool negative, uint digits, int exponent, Span<byte> destination)
    {
        var count = CountDigits(digits);
        var point = count + exponent;
        if ((uint)(point + 5) > 5 || count > 9)
        {
            return Layout(negative, digits, exponent, destination); // not 0.000ddd (nor more than 9 digits: never for float32)
        }

        _ = destination[MaxLength - 1]; // the writes end by byte 1 + 2 + 5 + 9 = 17
        var padded = digits * NinePadding[count];
        var (first, rest) = Math.DivRem(padded, 100_000_000u);
        var word = EightDigits(rest);
        var significant = 9 - (BitOperations.LeadingZeroCount(word ^ AsciiZeros) >> 3);
        return StoreZeroPoint(ref MemoryMarshal.GetReference(destination), negative, 2 - point, (byte)('0' + first), word, significant);
    }

    /// <summary>
    /// Stores a number laid out as <c>0.000ddd</c> (at most 17 bytes, written as whole 8-byte words that may run past
    /// its end): the sign, <c>"0."</c> and its zeros (<paramref name="prefix"/> bytes in all), the first digit, then
    /// <paramref name="word"/>'s eight digits, of which <paramref name="significant"/> - 1 count. Returns its length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int StoreZeroPoint(ref byte start, bool negative, int prefix, byte first, ulong word, int significant)
    {
        start = (byte)'-';
        var n = negative ? 1 : 0;
        StoreLittleEndian(ref Unsafe.Add(ref start, n), ZeroPointZeros); // "0." and up to five zeros
        n += prefix;
        Unsafe.Add(ref start, n) = first;
        StoreLittleEndian(ref Unsafe.Add(ref start, n + 1), word);
        return n + significant;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLittleEndian(ref byte destination, ulong value) =>
        Unsafe.WriteUnaligned(ref destination, BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));

    /// <summary>10^(9 - count) for a count of 1 to 9 digits: what pads them to nine.</summary>
    private static ReadOnlySpan<uint> NinePadding => [0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// <summary>Eight '0' bytes as a word: added to eight digit values it makes their characters.</summary>
    internal const ulong AsciiZeros = 0x3030_3030_3030_3030;

    /// <summary>"0.000000" as the little-endian word an 8-byte write stores.</summary>
    private const ulong ZeroPointZeros = 0x3030_3030_3030_2E30;

    /// <summary>
    /// Writes the <paramref name="count"/> (≤ 20) decimal digits of <paramref name="value"/> as whole 8-byte words: the
    /// first word carries the leading 1 to 8 digits, each later one 8 more. Up to 8 bytes past the digits are written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteDigits(ulong value, int count, Span<byte> destination)
    {
        if (count <= 8)
        {
            WriteLeading((uint)value, count, destination);
            return;
        }

        var (high, low) = Math.DivRem(value, 100_000_000);
        if (count <= 16)
        {
            WriteLeading((uint)high, count - 8, destination);
        }
        else
        {
            var (top, middle) = Math.DivRem(high, 100_000_000);
            WriteLeading((uint)top, count - 16, destination);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(count - 16)..], EightDigits((uint)middle));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination[(count - 8)..], EightDigits((uint)low));
    }

    /// <summary>The last <paramref name="count"/> of the eight digits of <paramref name="value"/>, at the start of an 8-byte write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteLeading(uint value, int count, Span<byte> destination) =>
        BinaryPrimitives.WriteUInt64LittleEndian(destination, EightDigits(value) >> (8 * (8 - count)));

    /// <summary>
    /// The eight ASCII digits of <paramref name="value"/> (&lt; 10^8, zero-padded) as a little-endian word, first digit in
    /// the lowest byte. SWAR: split into two 4-digit halves (one division), then every lane at once into 2-digit and
    /// 1-digit halves by multiplying with reciprocals (x·10486 &gt;&gt; 20 = x / 100 for x &lt; 10^4, x·103 &gt;&gt; 10 = x / 10
    /// for x &lt; 100; the tests check every value), instead of a division per digit or pair.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong EightDigits(uint value)
    {
        var (high, low) = Math.DivRem(value, 10_000);
        var x = high | ((ulong)low << 32);                               // two lanes of 32 bits: 4 digits each
        var hundreds = ((x * 10486) >> 20) & 0x0000_007F_0000_007F;
        x = hundreds | ((x - (hundreds * 100)) << 16);                   // four lanes of 16 bits: 2 digits each
        var tens = ((x * 103) >> 10) & 0x000F_000F_000F_000F;
        x = tens | ((x - (tens * 10)) << 8);                             // eight bytes: 1 digit each
        return x | AsciiZeros;
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
