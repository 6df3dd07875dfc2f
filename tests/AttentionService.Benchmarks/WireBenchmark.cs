using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AttentionService.Api.Wire;

namespace AttentionService.Benchmarks;

/// <summary>
/// The tensor wire in-process: nested JSON and base64, read and written, float32 and float64, on a 256 x 256 tensor of
/// attention-like values (a softmax row's magnitudes). Prints one JSON line per case with the median CPU-time ns per number of
/// nine timed samples after a warm-up; <c>impl: "stj"</c> lines time System.Text.Json's reader and writer on the same
/// text, as the service did before.
/// </summary>
internal static class WireBenchmark
{
    public static void Run(bool quick)
    {
        const int rows = 256, cols = 256;
        var rng = new Random(11);
        var doubles = new double[rows * cols];
        for (var i = 0; i < doubles.Length; i++)
        {
            doubles[i] = Math.Exp(-8 * rng.NextDouble()) * (rng.Next(2) == 0 ? 1 : -1) / 3;
        }

        var floats = doubles.Select(d => (float)d).ToArray();
        var runs = quick ? 5 : 9;
        foreach (var float64 in new[] { false, true })
        {
            var precision = float64 ? "float64" : "float32";
            var nested = float64 ? Nested(doubles, rows, cols) : Nested(floats, rows, cols);
            var base64 = float64 ? Encoding.ASCII.GetBytes(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(doubles.AsSpan())))
                : Encoding.ASCII.GetBytes(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan())));
            var output = new byte[Math.Max(nested.Length * 2, base64.Length * 2)];
            var floatBuffer = new float[floats.Length];
            var doubleBuffer = new double[doubles.Length];

            Report("wire", "nested", "read", precision, doubles.Length, runs, () =>
            {
                using var scanned = NestedNumberScanner.Scan(nested);
                if (!float64)
                {
                    Float32Fixups.Narrow(scanned.Data!.Span, floatBuffer, scanned.Fixups);
                }
            });
            Report("stj", "nested", "read", precision, doubles.Length, runs, () => ReadWithTokens(nested, doubleBuffer));
            Report("wire", "nested", "write", precision, doubles.Length, runs, () =>
            {
                var n = 0;
                output[n++] = (byte)'[';
                for (var r = 0; r < rows; r++)
                {
                    n += float64 ? ShortestNumber.WriteArray<double>(doubles.AsSpan(r * cols, cols), output.AsSpan(n))
                        : ShortestNumber.WriteArray<float>(floats.AsSpan(r * cols, cols), output.AsSpan(n));
                    output[n++] = (byte)',';
                }

                output[n - 1] = (byte)']';
            });
            Report("stj", "nested", "write", precision, doubles.Length, runs, () => WriteWithUtf8JsonWriter(float64 ? doubles : null, float64 ? null : floats, rows, cols));
            Report("wire", "base64", "read", precision, doubles.Length, runs, () =>
            {
                if (Base64Tensor.DecodedLength(base64) != doubles.Length * (float64 ? 8 : 4))
                {
                    throw new InvalidOperationException("length");
                }

                var ok = float64 ? Base64Tensor.TryDecode<double>(base64, doubleBuffer) && Base64Tensor.FirstNonFinite<double>(doubleBuffer) < 0
                    : Base64Tensor.TryDecode<float>(base64, floatBuffer) && Base64Tensor.FirstNonFinite<float>(floatBuffer) < 0;
                if (!ok)
                {
                    throw new InvalidOperationException("decode");
                }
            });
            Report("wire", "base64", "write", precision, doubles.Length, runs, () =>
            {
                _ = float64 ? Base64Tensor.Encode<double>(doubles, output) : Base64Tensor.Encode<float>(floats, output);
            });
        }
    }

    private static byte[] Nested<T>(T[] values, int rows, int cols) where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var builder = new StringBuilder("[");
        for (var r = 0; r < rows; r++)
        {
            builder.Append(r == 0 ? "[" : ",[");
            for (var c = 0; c < cols; c++)
            {
                builder.Append(c == 0 ? "" : ",").Append(values[(r * cols) + c].ToString("R", CultureInfo.InvariantCulture));
            }

            builder.Append(']');
        }

        return Encoding.ASCII.GetBytes(builder.Append(']').ToString());
    }

    private static void ReadWithTokens(byte[] json, double[] destination)
    {
        var reader = new Utf8JsonReader(json);
        var n = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                reader.TryGetDouble(out destination[n++]);
            }
        }
    }

    private static readonly ArrayBufferWriter<byte> Sink = new(1 << 22);

    private static void WriteWithUtf8JsonWriter(double[]? doubles, float[]? floats, int rows, int cols)
    {
        Sink.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(Sink);
        writer.WriteStartArray();
        for (var r = 0; r < rows; r++)
        {
            writer.WriteStartArray();
            for (var c = 0; c < cols; c++)
            {
                if (doubles is not null)
                {
                    writer.WriteNumberValue(doubles[(r * cols) + c]);
                }
                else
                {
                    writer.WriteNumberValue(floats![(r * cols) + c]);
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    private static void Report(string impl, string format, string direction, string precision, int numbers, int runs, Action action)
    {
        var warm = Stopwatch.StartNew();
        var calls = 0;
        while (warm.ElapsedMilliseconds < 300 || calls < 3)
        {
            action();
            calls++;
        }

        var perSample = Math.Max(1, (int)(20.0 / Math.Max(warm.Elapsed.TotalMilliseconds / calls, 1e-3)));
        var times = new double[runs];
        for (var r = 0; r < runs; r++)
        {
            // CPU time of this process, not wall time: on a shared machine the wall clock also counts other programs' turns.
            var cpu = Environment.CpuUsage.TotalTime;
            for (var i = 0; i < perSample; i++)
            {
                action();
            }

            times[r] = (Environment.CpuUsage.TotalTime - cpu).TotalNanoseconds / perSample / numbers;
        }

        Array.Sort(times);
        Console.WriteLine(JsonSerializer.Serialize(new { impl, format, direction, precision, numbers, nsPerNumber = Math.Round(times[runs / 2], 2) }));
    }
}
