using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// Writes an <see cref="AttentionResult{T}"/> as the <c>AttentionResponse</c> JSON straight from the result buffers,
/// row by row (or as base64 segments), handing each filled chunk to a flush callback so no whole-answer string or array tree exists.
/// </summary>
internal static class AttentionResponseWriter
{
    /// <summary>Bytes of tensor data per base64 segment: a multiple of 3, so every segment but the last encodes without padding.</summary>
    private const int Base64Chunk = 3 * 16 * 1024;

    public static async ValueTask WriteAsync<T>(
        Utf8JsonWriter writer, AttentionResult<T> result, Precision precision, TensorEncoding encoding, Func<bool> shouldFlush, Func<ValueTask> flush)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("output");
        await WriteTensorAsync(writer, result.Output, encoding, shouldFlush, flush);
        if (result.Weights is not null)
        {
            writer.WritePropertyName("weights");
            await WriteTensorAsync(writer, result.Weights, encoding, shouldFlush, flush);
        }

        if (result.TopKIndices is not null && result.TopKValues is not null)
        {
            writer.WriteStartObject("weightsTopK");
            writer.WritePropertyName("indices");
            await WriteNestedAsync(writer, result.TopKIndices, shouldFlush, flush); // key indices: nested whatever the encoding (tensor objects hold floats)
            writer.WritePropertyName("values");
            await WriteTensorAsync(writer, result.TopKValues, encoding, shouldFlush, flush);
            writer.WriteEndObject();
        }

        if (result.LogSumExp is not null)
        {
            writer.WritePropertyName("logSumExp");
            await WriteTensorAsync(writer, result.LogSumExp, encoding, shouldFlush, flush);
        }

        if (result.Diagnostics is { } diagnostics)
        {
            writer.WriteStartObject("diagnostics");
            writer.WriteString("kernelPath", JsonNamingPolicy.CamelCase.ConvertName(diagnostics.KernelPath.ToString()));
            writer.WriteNumber("maskedRows", diagnostics.MaskedRows);
            writer.WriteNumber("maxAbsScore", diagnostics.MaxAbsScore);
            writer.WritePropertyName("entropy");
            await WriteTensorAsync(writer, diagnostics.Entropy, encoding, shouldFlush, flush);
            writer.WriteEndObject();
        }

        if (!result.IsMerge)
        {
            writer.WriteString("scoring", ScoringInfo.NameOf(result.Scoring));
            writer.WriteNumber("scale", result.Scale);
        }

        writer.WriteString("precision", WireNames.Of(precision));
        writer.WriteEndObject();
    }

    private static ValueTask WriteTensorAsync<T>(Utf8JsonWriter writer, TensorData<T> tensor, TensorEncoding encoding, Func<bool> shouldFlush, Func<ValueTask> flush)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => encoding == TensorEncoding.Base64
        ? WriteObjectAsync(writer, tensor, shouldFlush, flush)
        : WriteNestedFloatsAsync(writer, tensor, shouldFlush, flush);

    /// <summary><c>{"dtype", "shape", "data"}</c>: the buffer's bytes in base64, in segments so a large tensor streams.</summary>
    private static async ValueTask WriteObjectAsync<T>(Utf8JsonWriter writer, TensorData<T> tensor, Func<bool> shouldFlush, Func<ValueTask> flush)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        writer.WriteStartObject();
        writer.WriteString("dtype", typeof(T) == typeof(float) ? "float32" : "float64");
        writer.WriteStartArray("shape");
        foreach (var dim in tensor.ShapeArray())
        {
            writer.WriteNumberValue(dim);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("data");
        var bytes = tensor.Length * Unsafe.SizeOf<T>();
        if (bytes == 0)
        {
            writer.WriteBase64StringSegment([], isFinalSegment: true);
        }

        for (var start = 0; start < bytes; start += Base64Chunk)
        {
            var length = Math.Min(Base64Chunk, bytes - start);
            writer.WriteBase64StringSegment(MemoryMarshal.AsBytes(tensor.Span).Slice(start, length), isFinalSegment: start + length == bytes);
            if (shouldFlush())
            {
                await flush();
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Nested arrays, each row formatted by <see cref="ShortestNumber"/> and handed to the writer as one raw value.</summary>
    private static async ValueTask WriteNestedFloatsAsync<T>(Utf8JsonWriter writer, TensorData<T> tensor, Func<bool> shouldFlush, Func<ValueTask> flush)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var shape = tensor.ShapeArray();
        var rank = shape.Length;
        var cols = shape[^1];
        var rows = cols == 0 ? 0 : tensor.Length / cols;

        // rowsIn[k]: how many rows one array at nesting level k holds (level 0 is the whole tensor).
        var rowsIn = new int[rank - 1];
        for (var k = rank - 2; k >= 0; k--)
        {
            rowsIn[k] = shape[k] * (k == rank - 2 ? 1 : rowsIn[k + 1]);
        }

        var scratch = ArrayPool<byte>.Shared.Rent(2 + (cols * (ShortestNumber.MaxLength + 1)));
        try
        {
            for (var r = 0; r < rows; r++)
            {
                for (var k = 0; k < rank - 1; k++)
                {
                    if (r % rowsIn[k] == 0)
                    {
                        writer.WriteStartArray();
                    }
                }

                var row = tensor.Span.Slice(r * cols, cols);
                if (TensorPrimitives.IsFiniteAll(row))
                {
                    var n = ShortestNumber.WriteArray<T>(row, scratch);
                    writer.WriteRawValue(scratch.AsSpan(0, n), skipInputValidation: true);
                }
                else
                {
                    WriteRow(writer, row); // −∞, the log-sum-exp of a row with no key
                }
                for (var k = rank - 2; k >= 0; k--)
                {
                    if ((r + 1) % rowsIn[k] == 0)
                    {
                        writer.WriteEndArray();
                    }
                }

                if (shouldFlush())
                {
                    await flush();
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Nested arrays of any element (the top-k key indices); numbers that are not finite as strings.</summary>
    private static async ValueTask WriteNestedAsync<T>(Utf8JsonWriter writer, TensorData<T> tensor, Func<bool> shouldFlush, Func<ValueTask> flush)
        where T : unmanaged
    {
        var shape = tensor.ShapeArray();
        var rank = shape.Length;
        var cols = shape[^1];
        var rows = tensor.Length / cols;

        // rowsIn[k]: how many rows one array at nesting level k holds (level 0 is the whole tensor).
        var rowsIn = new int[rank - 1];
        for (var k = rank - 2; k >= 0; k--)
        {
            rowsIn[k] = shape[k] * (k == rank - 2 ? 1 : rowsIn[k + 1]);
        }

        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < rank - 1; k++)
            {
                if (r % rowsIn[k] == 0)
                {
                    writer.WriteStartArray();
                }
            }

            WriteRow(writer, tensor.Span.Slice(r * cols, cols));
            for (var k = rank - 2; k >= 0; k--)
            {
                if ((r + 1) % rowsIn[k] == 0)
                {
                    writer.WriteEndArray();
                }
            }

            if (shouldFlush())
            {
                await flush();
            }
        }
    }

    /// <summary>One row of numbers; −∞ (a log-sum-exp of a row with no key) is the string <c>"-Infinity"</c>, which JSON numbers cannot carry.</summary>
    private static void WriteRow<T>(Utf8JsonWriter writer, ReadOnlySpan<T> row) where T : unmanaged
    {
        writer.WriteStartArray();
        if (typeof(T) == typeof(float))
        {
            foreach (var x in row)
            {
                var f = (float)(object)x;
                if (float.IsFinite(f))
                {
                    writer.WriteNumberValue(f);
                }
                else
                {
                    writer.WriteStringValue(NonFinite(f));
                }
            }
        }
        else if (typeof(T) == typeof(double))
        {
            foreach (var x in row)
            {
                var d = (double)(object)x;
                if (double.IsFinite(d))
                {
                    writer.WriteNumberValue(d);
                }
                else
                {
                    writer.WriteStringValue(NonFinite(d));
                }
            }
        }
        else
        {
            foreach (var x in row)
            {
                writer.WriteNumberValue((int)(object)x);
            }
        }

        writer.WriteEndArray();
    }

    private static string NonFinite(double x) => double.IsNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
}
