using System.Globalization;
using System.Numerics;
using System.Text;
using AttentionService.Api.Wire;

namespace AttentionService.Api.Tests.Wire;

/// <summary>The number parser against .NET's own correctly rounded parsers, bit for bit, in both precisions.</summary>
public class JsonNumberTests
{
    public static TheoryData<string> EdgeCases() =>
    [
        "0", "-0", "0.0", "-0.0", "0e0", "0E+5", "1", "-1", "1e-45", "1.4e-45", "7e-46", "7.1e-46", "1e-46", "2e-45",
        "1.1754943e-38", "1.1754942e-38", "1.17549435e-38", "3.4028235e38", "3.4028234e38", "3.40282356779733661637539395458142568448e38",
        "3.4028235677973366e38", "3.4028236e38", "1e39", "-1e39", "1e308", "1.7976931348623157e308", "1.7976931348623158e308",
        "1.7976931348623159e308", "1e309", "4.9e-324", "5e-324", "2.4703282292062328e-324", "2.4703282292062327e-324", "2.2250738585072014e-308",
        "2.2250738585072011e-308", "1e-400", "123456789012345678901234567890", "1234567890123456789", "12345678901234567890",
        "9007199254740993", "9007199254740992", "0.1", "0.30000000000000004", "1e22", "1e23", "1e-22", "1e-23", "16777217",
        "16777216", "3.0000001", "0.030351084", "0.9696489", "1E+10", "1e-10", "1E-0010", "-12.5e+3", "0.000001", "1e-7",
        "0.00000000000000000000000000000000000000000001", "100000000000000000000000000000000000000000000000000000001",
        "2.000000238418579101562500000001", "2.0000002384185791015625", "2.0000002384185791015624999999",
    ];

    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void EdgeCase_ParsesToTheSameBitsAsDotNet(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        JsonNumber.Parse(bytes, out double d).ShouldBe(bytes.Length);
        BitConverter.DoubleToInt64Bits(d).ShouldBe(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), text);
        JsonNumber.Parse(bytes, out float f).ShouldBe(bytes.Length);
        BitConverter.SingleToInt32Bits(f).ShouldBe(BitConverter.SingleToInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)), text);
    }

    [Theory]
    [InlineData("+1")]
    [InlineData(".5")]
    [InlineData("-")]
    [InlineData("1.")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("\"1\"")]
    public void NotAJsonNumber_IsRefused(string text)
    {
        JsonNumber.Parse(Encoding.ASCII.GetBytes(text), out double _).ShouldBe(0);
    }

    [Theory]
    [InlineData("01", 1)]
    [InlineData("-01", 2)]
    [InlineData("1.5,", 3)]
    [InlineData("2]", 1)]
    public void Number_EndsWhereTheGrammarEnds(string text, int length)
    {
        JsonNumber.Parse(Encoding.ASCII.GetBytes(text), out double _).ShouldBe(length);
    }

    [Fact]
    public void AMillionRandomNumbers_ParseToTheSameBitsAsDotNet_InBothPrecisions()
    {
        var rng = new Random(11);
        var texts = new List<string>(1_200_000);
        for (var i = 0; i < 300_000; i++)
        {
            texts.Add(BitConverter.Int64BitsToDouble(rng.NextInt64() & 0x7FEF_FFFF_FFFF_FFFF).ToString("R", CultureInfo.InvariantCulture));
            texts.Add(BitConverter.Int32BitsToSingle(rng.Next() & 0x7F7F_FFFF).ToString("R", CultureInfo.InvariantCulture));
            texts.Add(RandomDecimal(rng));
            texts.Add(((float)((rng.NextDouble() * 2) - 1)).ToString("R", CultureInfo.InvariantCulture));
        }

        var failures = texts.AsParallel().Where(text =>
        {
            var bytes = Encoding.ASCII.GetBytes(text.Replace("E", "e", StringComparison.Ordinal));
            return JsonNumber.Parse(bytes, out double d) != bytes.Length
                || JsonNumber.Parse(bytes, out float f) != bytes.Length
                || BitConverter.DoubleToInt64Bits(d) != BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture))
                || BitConverter.SingleToInt32Bits(f) != BitConverter.SingleToInt32Bits(float.Parse(text, CultureInfo.InvariantCulture));
        }).Take(10).ToList();
        failures.ShouldBeEmpty();
        texts.Count.ShouldBeGreaterThanOrEqualTo(1_000_000);
    }

    [Fact]
    public void TextsJustOffAFloat32Midpoint_NarrowToTheFloat32NearestTheText_NotTheDoubles()
    {
        var rng = new Random(5);
        var checkedCount = 0;
        for (var i = 0; i < 20_000; i++)
        {
            // The exact decimal of a midpoint between two float32 values, nudged by a digit far beyond double's reach:
            // the double rounds back onto the midpoint, and only a direct float32 parse sees which side the text is on.
            var below = BitConverter.Int32BitsToSingle(rng.Next(1, 0x7F7F_FFFF));
            var midpoint = ((double)below + (double)MathF.BitIncrement(below)) / 2;
            foreach (var nudge in new[] { "00000000000000000000001", "" })
            {
                var text = ExactDecimal(midpoint) + (nudge.Length > 0 && !ExactDecimal(midpoint).Contains('.', StringComparison.Ordinal) ? "." + nudge : nudge);
                var expected = float.Parse(text, CultureInfo.InvariantCulture);
                using var scanned = NestedNumberScanner.Scan(Encoding.ASCII.GetBytes($"[[{text}]]"));
                scanned.Data.ShouldNotBeNull(text);
                var narrowed = new float[1];
                Float32Fixups.Narrow(scanned.Data.Span, narrowed, scanned.Fixups).ShouldBe(-1);
                BitConverter.SingleToInt32Bits(narrowed[0]).ShouldBe(BitConverter.SingleToInt32Bits(expected), text);
                checkedCount++;
            }
        }

        checkedCount.ShouldBe(40_000);
    }

    private static string RandomDecimal(Random rng)
    {
        var builder = new StringBuilder();
        if (rng.Next(2) == 0)
        {
            builder.Append('-');
        }

        var digits = rng.Next(1, 26);
        builder.Append((char)('1' + rng.Next(9)));
        for (var i = 1; i < digits; i++)
        {
            builder.Append((char)('0' + rng.Next(10)));
        }

        if (digits > 1 && rng.Next(2) == 0)
        {
            builder.Insert(builder.Length - rng.Next(1, digits), '.');
        }

        if (rng.Next(3) > 0)
        {
            builder.Append(rng.Next(2) == 0 ? 'e' : 'E');
            builder.Append(rng.Next(3) switch { 0 => "-", 1 => "+", _ => "" });
            builder.Append(rng.Next(0, 340));
        }

        return builder.ToString();
    }

    /// <summary>Every digit of a double: m·2^e written out exactly.</summary>
    private static string ExactDecimal(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = new BigInteger((bits & 0xF_FFFF_FFFF_FFFF) | (exponent == 0 ? 0 : 1L << 52));
        var e = (exponent == 0 ? 1 : exponent) - 1075;
        if (e >= 0)
        {
            return (mantissa << e).ToString(CultureInfo.InvariantCulture);
        }

        var scaled = (mantissa * BigInteger.Pow(5, -e)).ToString(CultureInfo.InvariantCulture).PadLeft(-e + 1, '0');
        var text = scaled[..^(-e)] + "." + scaled[^(-e)..];
        return text.TrimEnd('0').TrimEnd('.');
    }
}
