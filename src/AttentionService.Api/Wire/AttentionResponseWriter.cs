using System.Buffers;
using System.Numerics;
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

        writer.WriteString("scoring", ScoringInfo.NameOf(result.Scoring));
        writer.WriteNumber("scale", result.Scale);
        writer.WriteString("precision", WireNames.Of(precision));
        writer.WriteEndObject();
    }

    private static ValueTask WriteTensorAsync<T>(Utf8JsonWriter writer, TensorData<T> tensor, TensorEncoding encoding, Func<bool> shouldFlush, Func<ValueTask> flush)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => encoding == TensorEncoding.Base64
        ? WriteObjectAsync(writer, tensor, shouldFlush, flush)
        : WriteNestedAsync(writer, tensor, shouldFlush, flush);

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
    private static async ValueTask WriteNestedAsync<T>(Utf8JsonWriter writer, TensorData<T> tensor, Func<bool> shouldFlush, Func<ValueTask> flush)
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

                var n = ShortestNumber.WriteArray<T>(tensor.Span.Slice(r * cols, cols), scratch);
                writer.WriteRawValue(scratch.AsSpan(0, n), skipInputValidation: true);
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
}
