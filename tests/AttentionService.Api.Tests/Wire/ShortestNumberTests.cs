using System.Globalization;
using System.Text;
using AttentionService.Api.Wire;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests.Wire;

/// <summary>
/// Every written number must read back to the same bits, and be as short as .NET's own shortest formatter's. The
/// exhaustive float32 run (all 2^32 bit patterns, a few minutes on two cores) is opt-in:
/// <c>WIRE_EXHAUSTIVE_FLOAT32=1 dotnet test tests/AttentionService.Api.Tests --filter EveryFloat32</c>.
/// </summary>
public class ShortestNumberTests(ITestOutputHelper output)
{
    private const long RandomFloat32Count = 100_000_000;

    public static TheoryData<float> Float32Specials() =>
    [
        0f, -0f, float.Epsilon, -float.Epsilon, 2 * float.Epsilon, float.MaxValue, -float.MaxValue, 1.17549435e-38f,
        1.17549421e-38f, 1f, -1f, 0.1f, 0.3f, 1e7f, 1e8f, 16777216f, 16777218f, 123456789f, 1e-7f, 1e-6f, 9.999999e20f, 1e21f,
        1e22f, 0.030351084f, 0.9696489f, 7e-45f, 1.5e-10f, 100f, 1234.5f,
    ];

    public static TheoryData<double> Float64Specials() =>
    [
        0d, -0d, double.Epsilon, -double.Epsilon, double.MaxValue, -double.MaxValue, 2.2250738585072014e-308, 2.2250738585072009e-308,
        1d, 0.1, 0.30000000000000004, 1e21, 1e22, 1e23, 9007199254740994, 0.5773502691896258,
        123456789012345678, 1e-7, 1e-6, 100, 4.35, 2.0 / 3,
    ];

    [Theory]
    [MemberData(nameof(Float32Specials))]
    public void Float32Special_ReadsBackToTheSameBits_AndIsAsShortAsDotNets(float value)
    {
        var text = Write(value);
        BitConverter.SingleToInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)).ShouldBe(BitConverter.SingleToInt32Bits(value), text);
        Digits(text).ShouldBe(Digits(value.ToString("R", CultureInfo.InvariantCulture)), text);
    }

    [Theory]
    [MemberData(nameof(Float64Specials))]
    public void Float64Special_ReadsBackToTheSameBits_AndIsAsShortAsDotNets(double value)
    {
        var text = Write(value);
        BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)).ShouldBe(BitConverter.DoubleToInt64Bits(value), text);
        Digits(text).ShouldBe(Digits(value.ToString("R", CultureInfo.InvariantCulture)), text);
    }

    [Theory]
    [InlineData(0.030351084f, "0.030351084")]
    [InlineData(1e-7f, "1e-7")]
    [InlineData(1.5e-7f, "1.5e-7")]
    [InlineData(1e21f, "1e+21")]
    [InlineData(123456792f, "123456790")]
    [InlineData(-0f, "-0")]
    [InlineData(0.000001f, "0.000001")]
    [InlineData(3.4028235e38f, "3.4028235e+38")]
    [InlineData(12.5f, "12.5")]
    public void Float32_IsWrittenInTheExpectedLayout(float value, string expected) => Write(value).ShouldBe(expected);

    [Fact]
    public void NonFiniteValues_AreRefused()
    {
        var buffer = new byte[ShortestNumber.MaxLength];
        Should.Throw<ArgumentOutOfRangeException>(() => ShortestNumber.Write(float.NaN, buffer));
        Should.Throw<ArgumentOutOfRangeException>(() => ShortestNumber.Write(double.PositiveInfinity, buffer));
    }

    [Fact]
    public void HundredMillionRandomFloat32_ReadBackToTheSameBits()
    {
        var failures = CheckFloat32Range(0, RandomFloat32Count, i => (uint)Mix((ulong)i));
        failures.ShouldBe(0);
        output.WriteLine($"{RandomFloat32Count:N0} random float32 values written and read back");
    }

    [Fact]
    public void EveryFloat32_ReadsBackToTheSameBits_WhenAskedFor()
    {
        if (Environment.GetEnvironmentVariable("WIRE_EXHAUSTIVE_FLOAT32") != "1")
        {
            output.WriteLine("skipped: set WIRE_EXHAUSTIVE_FLOAT32=1 to check all 2^32 float32 bit patterns");
            return;
        }

        CheckFloat32Range(0, 1L << 32, i => (uint)i).ShouldBe(0);
    }

    [Fact]
    public void MillionRandomFloat32_AreExactlyDotNetsShortestDigits()
    {
        var rng = new Random(3);
        for (var i = 0; i < 1_000_000; i++)
        {
            var value = BitConverter.Int32BitsToSingle(rng.Next() & 0x7F7F_FFFF | (rng.Next(2) << 31));
            if (!float.IsFinite(value))
            {
                continue;
            }

            var text = Write(value);
            Digits(text).ShouldBe(Digits(value.ToString("R", CultureInfo.InvariantCulture)), text);
        }
    }

    [Fact]
    public void TenMillionRandomFloat64_ReadBackToTheSameBits_AndAMillionAreDotNetsShortestDigits()
    {
        var failures = 0L;
        Parallel.For(0, 2, part =>
        {
            Span<byte> buffer = stackalloc byte[ShortestNumber.MaxLength];
            for (long i = part; i < 10_000_000; i += 2)
            {
                var value = BitConverter.UInt64BitsToDouble(Mix((ulong)i));
                if (!double.IsFinite(value))
                {
                    continue;
                }

                var n = ShortestNumber.Write(value, buffer);
                if (BitConverter.DoubleToInt64Bits(double.Parse(buffer[..n], CultureInfo.InvariantCulture)) != BitConverter.DoubleToInt64Bits(value)
                    || (i % 10 == 0 && Digits(Encoding.ASCII.GetString(buffer[..n])) != Digits(value.ToString("R", CultureInfo.InvariantCulture))))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        failures.ShouldBe(0);
    }

    [Fact]
    public void EightDigits_AreTheDigitsOfEveryValueBelowTenToTheEight()
    {
        // The SWAR digit split divides by multiplying with reciprocals; this checks them on every input they get.
        var failures = 0L;
        Parallel.For(0, 100, part =>
        {
            for (var value = (uint)part * 1_000_000; value < (uint)(part + 1) * 1_000_000; value++)
            {
                var word = ShortestNumber.EightDigits(value);
                var back = 0u;
                var allDigits = true;
                for (var k = 0; k < 8; k++)
                {
                    var digit = (uint)((word >> (8 * k)) & 0xFF) - '0';
                    allDigits &= digit <= 9;
                    back = (back * 10) + digit;
                }

                if (!allDigits || back != value)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        failures.ShouldBe(0);
    }

    [Fact]
    public void Row_IsAJsonArrayOfTheNumbers()
    {
        var buffer = new byte[2 + (3 * (ShortestNumber.MaxLength + 1))];
        var n = ShortestNumber.WriteArray<float>([0.5f, -2f, 1e-8f], buffer);
        Encoding.ASCII.GetString(buffer, 0, n).ShouldBe("[0.5,-2,1e-8]");
        n = ShortestNumber.WriteArray<double>([], buffer);
        Encoding.ASCII.GetString(buffer, 0, n).ShouldBe("[]");
    }

    [Fact]
    public void Float32Rows_AreTheNumbersWrittenOneByOne_Joined()
    {
        // Rows go through Float32Rows (eight lanes at a time) where the processor has AVX-512, and through Write one number at a
        // time otherwise: the text must be the same. Every class of value is mixed into the rows: zeros of both signs, small
        // integers, binary fractions, every exponent, softmax-like magnitudes, and now and then a subnormal (its block of
        // eight goes back to the scalar path).
        output.WriteLine($"vector rows: {Float32Rows.IsSupported}");
        var rng = new Random(5);
        var row = new float[300];
        var buffer = new byte[2 + (row.Length * (ShortestNumber.MaxLength + 1))];
        var joined = new StringBuilder();
        for (var round = 0; round < 20_000; round++)
        {
            for (var j = 0; j < row.Length; j++)
            {
                row[j] = rng.Next(10) switch
                {
                    0 => rng.Next(2) == 0 ? 0f : -0f,
                    1 => rng.Next(-100_000, 100_000),
                    2 => (float)rng.Next(1, 1 << 24) / (1 << rng.Next(0, 30)),
                    3 => BitConverter.UInt32BitsToSingle(((uint)rng.Next() & 0x007F_FFFF) | ((uint)rng.Next(1, 255) << 23) | ((uint)rng.Next(2) << 31)),
                    _ => (float)(Math.Exp(-20 * rng.NextDouble()) * (rng.Next(2) == 0 ? 1 : -1) * Math.Pow(10, rng.Next(-3, 4))),
                };
            }

            if (round % 50 == 0)
            {
                row[rng.Next(row.Length)] = float.Epsilon * rng.Next(1, 1 << 20);
            }

            var length = rng.Next(0, row.Length + 1);
            var n = ShortestNumber.WriteArray<float>(row.AsSpan(0, length), buffer);
            joined.Clear().Append('[').AppendJoin(',', row.Take(length).Select(Write)).Append(']');
            Encoding.ASCII.GetString(buffer, 0, n).ShouldBe(joined.ToString());
        }
    }

    /// <summary>
    /// Writes every finite value of the range in rows of 256, every other row through <see cref="ShortestNumber.WriteArray{T}"/>
    /// (<see cref="Float32Rows"/> where it runs) and the rest number by number, and counts those whose text does not parse
    /// back to the same bits.
    /// </summary>
    private static long CheckFloat32Range(long start, long end, Func<long, uint> bitsOf)
    {
        const int rowLength = 256;
        var failures = 0L;
        var parts = Environment.ProcessorCount;
        Parallel.For(0, parts, part =>
        {
            var row = new float[rowLength];
            var buffer = new byte[2 + (rowLength * (ShortestNumber.MaxLength + 1))];
            var local = 0L;
            var count = 0;
            for (var i = start + part; i < end || count > 0; i += parts)
            {
                if (i < end)
                {
                    var value = BitConverter.UInt32BitsToSingle(bitsOf(i));
                    if (!float.IsFinite(value))
                    {
                        continue;
                    }

                    row[count++] = value;
                    if (count < rowLength)
                    {
                        continue;
                    }
                }

                local += ReadBackFailures(row.AsSpan(0, count), buffer, asRow: (i / parts / rowLength % 2) == 0);
                count = 0;
            }

            Interlocked.Add(ref failures, local);
        });
        return failures;
    }

    private static int ReadBackFailures(ReadOnlySpan<float> row, byte[] buffer, bool asRow)
    {
        int length;
        if (asRow)
        {
            length = ShortestNumber.WriteArray(row, buffer);
        }
        else
        {
            length = 0;
            buffer[length++] = (byte)'[';
            foreach (var value in row)
            {
                length += ShortestNumber.Write(value, buffer.AsSpan(length));
                buffer[length++] = (byte)',';
            }

            buffer[row.IsEmpty ? length++ : length - 1] = (byte)']';
        }

        var text = buffer.AsSpan(0, length);
        if (text[0] != '[' || text[^1] != ']')
        {
            return row.Length;
        }

        text = text[1..^1];
        var failures = 0;
        foreach (var value in row)
        {
            var comma = text.IndexOf((byte)',');
            var number = comma < 0 ? text : text[..comma];
            if (BitConverter.SingleToUInt32Bits(float.Parse(number, CultureInfo.InvariantCulture)) != BitConverter.SingleToUInt32Bits(value))
            {
                failures++;
            }

            text = comma < 0 ? [] : text[(comma + 1)..];
        }

        return failures + (text.IsEmpty ? 0 : 1); // nothing may be left over
    }

    /// <summary>SplitMix64: spreads consecutive indices over all bit patterns.</summary>
    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }

    private static string Write(float value)
    {
        var buffer = new byte[ShortestNumber.MaxLength];
        return Encoding.ASCII.GetString(buffer, 0, ShortestNumber.Write(value, buffer));
    }

    private static string Write(double value)
    {
        var buffer = new byte[ShortestNumber.MaxLength];
        return Encoding.ASCII.GetString(buffer, 0, ShortestNumber.Write(value, buffer));
    }

    /// <summary>The significant digits and the decimal exponent of a number's text, whatever its layout.</summary>
    private static string Digits(string text)
    {
        text = text.TrimStart('-').ToUpperInvariant();
        var exponent = 0;
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var point = text.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0)
        {
            exponent -= text.Length - point - 1;
            text = text.Remove(point, 1);
        }

        var digits = text.TrimStart('0');
        var trimmed = digits.TrimEnd('0');
        exponent += digits.Length - trimmed.Length;
        return trimmed.Length == 0 ? "0" : $"{trimmed}e{exponent}";
    }
}
