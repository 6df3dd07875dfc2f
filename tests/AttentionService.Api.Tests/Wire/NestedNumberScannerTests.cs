using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AttentionService.Api.Wire;

namespace AttentionService.Api.Tests.Wire;

/// <summary>The nested array scanner keeps the refusals of the token reader it replaces, and the serializer is resumed after it.</summary>
public class NestedNumberScannerTests
{
    [Theory]
    [InlineData("[[1,2,3],[4,5,6]]", new[] { 2, 3 })]
    [InlineData(" [ [ 1 , 2 ] ,\n\t[ 3 , 4 ] ] ", new[] { 2, 2 })]
    [InlineData("[[[1],[2]],[[3],[4]]]", new[] { 2, 2, 1 })]
    [InlineData("[[[[0.5]]]]", new[] { 1, 1, 1, 1 })]
    [InlineData("[1,2]", new[] { 2 })]
    [InlineData("[[],[]]", new[] { 2, 0 })]
    [InlineData("[]", new[] { 0 })]
    public void WellFormedArray_GivesItsShapeAndNumbers(string json, int[] shape)
    {
        using var scanned = NestedNumberScanner.Scan(Encoding.UTF8.GetBytes(json.TrimStart()));
        scanned.SyntaxError.ShouldBeNull();
        scanned.DefectMessage.ShouldBeNull();
        scanned.Data!.ShapeArray().ShouldBe(shape);
        scanned.Consumed.ShouldBe(json.Trim().Length);
    }

    [Fact]
    public void Numbers_AreReadInRowMajorOrder()
    {
        using var scanned = NestedNumberScanner.Scan("[[1.5,-2e3],[0,-0.25]]"u8);
        scanned.Data!.Span.ToArray().ShouldBe([1.5, -2000, 0, -0.25]);
    }

    [Theory]
    [InlineData("[[1,\"2\"]]", "expected numbers, found a string at [0][1]")]
    [InlineData("[[1,null]]", "expected numbers, found null at [0][1]")]
    [InlineData("[[true]]", "expected numbers, found a boolean at [0][0]")]
    [InlineData("[[{}]]", "expected numbers, found an object at [0][0]")]
    [InlineData("[[NaN]]", "expected numbers, found 'NaN]]' at [0][0]")]
    [InlineData("[[[[[1]]]]]", "tensors are nested at most 4 deep; this one is nested deeper")]
    [InlineData("[[1,2]", "the tensor ends before its arrays are closed")]
    [InlineData("[[1,]]", "expected numbers, found ']]' at [0][1]")]
    [InlineData("[[1 2]]", "expected ',' or ']' after an element at [0][1], found '2]]'")]
    [InlineData("[[01]]", "expected ',' or ']' after an element at [0][1], found '1]]'")]
    [InlineData("[[-]]", "'-]]' at [0][0] is not a JSON number")]
    public void NotANumberArray_IsASyntaxError(string json, string message)
    {
        using var scanned = NestedNumberScanner.Scan(Encoding.UTF8.GetBytes(json));
        scanned.SyntaxError.ShouldBe(message);
        scanned.Data.ShouldBeNull();
    }

    [Theory]
    [InlineData("[[1,2],[3]]", "[1]", "has 1 elements but the arrays before it at this depth have 2; tensors must be rectangular")]
    [InlineData("[[1,2],3]", "[1]", "is one of the numbers where arrays are expected, as elsewhere at this depth")]
    [InlineData("[[1],[[2]]]", "[1][0]", "is an array where numbers are expected, as elsewhere at this depth")]
    [InlineData("[[1,1e400]]", "[0][1]", "1e400 is not a finite number")]
    public void WellFormedButUnusable_IsADefectAtItsPath(string json, string path, string message)
    {
        using var scanned = NestedNumberScanner.Scan(Encoding.UTF8.GetBytes(json));
        scanned.SyntaxError.ShouldBeNull();
        (scanned.DefectPath, scanned.DefectMessage).ShouldBe((path, message));
    }

    [Fact]
    public void EveryPrefixOfABody_IsASyntaxErrorOrATensor_NeverAnException()
    {
        const string body = """{"input":[[1,2.5e-3,3],[5,-0,5E+2],[3, 1 ,2]] , "causal":true}""";
        for (var length = 0; length <= body.Length; length++)
        {
            var prefix = Encoding.UTF8.GetBytes(body[..length]);
            var start = Array.IndexOf(prefix, (byte)'[');
            if (start >= 0)
            {
                using var scanned = NestedNumberScanner.Scan(prefix.AsSpan(start));
                (scanned.SyntaxError is not null || scanned.Data is not null).ShouldBeTrue(body[..length]);
            }

            try
            {
                JsonSerializer.Deserialize(prefix, AppJsonContext.Default.SelfAttentionRequest)?.Dispose();
            }
            catch (JsonException)
            {
                // a truncated body is a 400
            }
        }
    }

    [Fact]
    public void AMillionNumbersInRows_AreTheNumbersDotNetReads_WhateverTheirFormAndSeparators()
    {
        // Plain decimals in a run take JsonNumber.ParseRun, everything else (exponents, long digit strings, float32 midpoints,
        // the last bytes of the text) JsonNumber.Parse one at a time; mixed in one array, with the separators clients write.
        var rng = new Random(17);
        string[] separators = [",", ", ", ",\n  ", " , "];
        var texts = new List<string>(1_000_000);
        var json = new StringBuilder("[");
        const int rows = 4_000, cols = 250;
        for (var r = 0; r < rows; r++)
        {
            json.Append(r == 0 ? "[" : ",[");
            for (var c = 0; c < cols; c++)
            {
                var text = rng.Next(8) switch
                {
                    0 => BitConverter.Int64BitsToDouble(rng.NextInt64() & 0x7FEF_FFFF_FFFF_FFFF).ToString("R", CultureInfo.InvariantCulture),
                    1 => BitConverter.Int32BitsToSingle(rng.Next() & 0x7F7F_FFFF).ToString("R", CultureInfo.InvariantCulture),
                    2 => rng.Next(2) == 0
                        ? ((16_777_217L + (2L * rng.Next(1 << 20))) << rng.Next(0, 8)).ToString(CultureInfo.InvariantCulture) // float32 midpoints
                        : Midpoint(rng).ToString("R", CultureInfo.InvariantCulture), // the double's shortest text, not the midpoint's own
                    3 => Math.Round((rng.NextDouble() * 2) - 1, rng.Next(1, 16)).ToString("R", CultureInfo.InvariantCulture),
                    4 => rng.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture),
                    5 => "0." + new string('0', rng.Next(0, 6)) + rng.NextInt64(1, (long)Math.Pow(10, rng.Next(1, 19))).ToString(CultureInfo.InvariantCulture),
                    _ => ((float)(Math.Exp(-12 * rng.NextDouble()) * (rng.Next(2) == 0 ? 1 : -1))).ToString("R", CultureInfo.InvariantCulture),
                };
                text = text.Replace("E", rng.Next(2) == 0 ? "e" : "E", StringComparison.Ordinal);
                texts.Add(text);
                json.Append(c == 0 ? "" : separators[rng.Next(separators.Length)]).Append(text);
            }

            json.Append(']');
        }

        using var scanned = NestedNumberScanner.Scan(Encoding.ASCII.GetBytes(json.Append(']').ToString()));
        scanned.SyntaxError.ShouldBeNull();
        scanned.DefectMessage.ShouldBeNull();
        scanned.Data!.ShapeArray().ShouldBe([rows, cols]);
        var values = scanned.Data.Span;
        var narrowed = new float[values.Length];
        Float32Fixups.Narrow(values, narrowed, scanned.Fixups); // doubles beyond float32 narrow to infinities, as float.Parse reads them
        var failures = new List<string>();
        for (var i = 0; i < texts.Count && failures.Count < 10; i++)
        {
            if (BitConverter.DoubleToInt64Bits(values[i]) != BitConverter.DoubleToInt64Bits(double.Parse(texts[i], CultureInfo.InvariantCulture))
                || BitConverter.SingleToInt32Bits(narrowed[i]) != BitConverter.SingleToInt32Bits(float.Parse(texts[i], CultureInfo.InvariantCulture)))
            {
                failures.Add($"[{i / cols}][{i % cols}] {texts[i]}: {values[i]:R} / {narrowed[i]:R}");
            }
        }

        failures.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("1.", "'1., 0.5, 0.5' at [1][20] is not a JSON number")]
    [InlineData("--1", "'--1, 0.5, 0.' at [1][20] is not a JSON number")]
    [InlineData("-", "'-, 0.5, 0.5,' at [1][20] is not a JSON number")]
    [InlineData("1e", "'1e, 0.5, 0.5' at [1][20] is not a JSON number")]
    [InlineData("1.5e+", "'1.5e+, 0.5, ' at [1][20] is not a JSON number")]
    [InlineData("01", "expected ',' or ']' after an element at [1][21], found '1, 0.5, 0.5,'")] // the path after the "0" it read
    [InlineData("null", "expected numbers, found null at [1][20]")]
    public void AMalformedNumberInsideALongRun_IsTheSameSyntaxError(string bad, string message)
    {
        using var scanned = NestedNumberScanner.Scan(LongRowsWith(bad));
        scanned.SyntaxError.ShouldBe(message);
    }

    [Theory]
    [InlineData("1e400", "[1][20]", "1e400 is not a finite number")]
    [InlineData("-1e400", "[1][20]", "-1e400 is not a finite number")]
    public void AnInfiniteNumberInsideALongRun_IsTheSameDefect(string bad, string path, string message)
    {
        using var scanned = NestedNumberScanner.Scan(LongRowsWith(bad));
        scanned.SyntaxError.ShouldBeNull();
        (scanned.DefectPath, scanned.DefectMessage).ShouldBe((path, message));
    }

    /// <summary>
    /// Three rows of 40 numbers with <paramref name="bad"/> at [1][20]: well inside JsonNumber.ParseRun's window, not in the
    /// last bytes of the text that it leaves to the number-by-number path.
    /// </summary>
    private static byte[] LongRowsWith(string bad)
    {
        var row = string.Join(", ", Enumerable.Repeat("0.5", 40));
        var badRow = string.Join(", ", Enumerable.Repeat("0.5", 20).Append(bad).Concat(Enumerable.Repeat("0.5", 19)));
        return Encoding.ASCII.GetBytes($"[[{row}], [{badRow}], [{row}]]");
    }

    /// <summary>Halfway between a float32 below 1 and the next: a double whose shortest text is usually not the exact midpoint.</summary>
    private static double Midpoint(Random rng)
    {
        var below = BitConverter.Int32BitsToSingle(rng.Next(0x3A80_0000, 0x3F80_0000));
        return ((double)below + MathF.BitIncrement(below)) / 2;
    }

    [Fact]
    public void ADefect_StillLetsALaterSyntaxErrorWin()
    {
        using var scanned = NestedNumberScanner.Scan("[[1,2],[3],[null]]"u8);
        scanned.SyntaxError.ShouldBe("expected numbers, found null at [2][0]");
    }

    [Fact]
    public void ALargeTensor_GrowsItsBufferAndKeepsEveryNumber()
    {
        var json = "[" + string.Join(",", Enumerable.Range(0, 300).Select(r => "[" + string.Join(",", Enumerable.Range(0, 70).Select(c => r * 70 + c)) + "]")) + "]";
        using var scanned = NestedNumberScanner.Scan(Encoding.UTF8.GetBytes(json));
        scanned.Data!.ShapeArray().ShouldBe([300, 70]);
        scanned.Data.Span.ToArray().ShouldBe(Enumerable.Range(0, 21000).Select(i => (double)i).ToArray());
    }

    [Theory]
    [InlineData("""{"a":[[1,2],[3,4]],"b":7,"c":[[5]]}""")]
    [InlineData("""{ "a" : [ [1, 2], [3, 4] ] , "b": 7, "c": [[5]] }""")]
    public void Serializer_ResumesAfterAScannedArray(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var probe = JsonSerializer.Deserialize<Probe>(bytes, Options)!;
        probe.A.ShouldBe([1, 2, 3, 4]);
        probe.B.ShouldBe(7);
        probe.C.ShouldBe([5]);

        // From a stream the reader is not over the whole body: the array is copied out and scanned all the same.
        using var stream = new MemoryStream(bytes);
        JsonSerializer.Deserialize<Probe>(stream, Options)!.A.ShouldBe([1, 2, 3, 4]);
    }

    [Theory]
    [InlineData("""{"input":[[1,2],[3,4]],"causal":true,"scoring":"dot"}""")]
    [InlineData("""{"scoring":"dot","bias":[[1,2],[3,4]], "causal": true, "input":[[1,2],[3,4]]}""")]
    public void SourceGeneratedRequest_ReadsMembersAfterAScannedArray_EvenOutOfOrder(string json)
    {
        // Required members make the generated contract record body offsets and re-read other members later.
        using var request = JsonSerializer.Deserialize(Encoding.UTF8.GetBytes(json), AppJsonContext.Default.SelfAttentionRequest)!;
        request.Causal.ShouldBeTrue();
        request.Scoring.ShouldBe(AttentionService.Engine.Scoring.Dot);
        request.Input.Shape.ShouldBe([2, 2]);
    }

    [Fact]
    public void Serializer_ReportsTheScannersSyntaxErrorAsAJsonException()
    {
        var e = Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Probe>("""{"a":[[1,"x"]]}"""u8, Options));
        e.Message.ShouldStartWith("expected numbers, found a string at [0][1]");
        e.Path.ShouldBe("$.a");
    }

    [Fact]
    public void Serializer_StillRefusesTrailingGarbageAfterAScannedArray()
    {
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Probe>("""{"a":[[1]] "b":1}"""u8, Options));
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Probe>("""{"a":[[1]]}}"""u8, Options));
    }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new FlatConverter() } };

    private sealed class Probe
    {
        public double[] A { get; set; } = [];

        public int B { get; set; }

        public double[] C { get; set; } = [];
    }

    private sealed class FlatConverter : JsonConverter<double[]>
    {
        public override double[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var scanned = ReaderBridge.ReadNumbers(ref reader);
            return scanned.Data!.Span.ToArray();
        }

        public override void Write(Utf8JsonWriter writer, double[] value, JsonSerializerOptions options) => throw new NotSupportedException();
    }
}
