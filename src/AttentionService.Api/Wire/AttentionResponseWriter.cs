using System.Numerics;
using System.Text.Json;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// Writes an <see cref="AttentionResult{T}"/> as the <c>AttentionResponse</c> JSON straight from the result buffers,
/// row by row, handing each filled chunk to a flush callback so no whole-answer string or array tree exists.
/// </summary>
internal static class AttentionResponseWriter
{
    public static async ValueTask WriteAsync<T>(
        Utf8JsonWriter writer, AttentionResult<T> result, Precision precision, Func<bool> shouldFlush, Func<ValueTask> flush)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("output");
        await WriteTensorAsync(writer, result.Output, shouldFlush, flush);
        if (result.Weights is not null)
        {
            writer.WritePropertyName("weights");
            await WriteTensorAsync(writer, result.Weights, shouldFlush, flush);
        }

        writer.WriteString("scoring", ScoringInfo.NameOf(result.Scoring));
        writer.WriteNumber("scale", result.Scale);
        writer.WriteString("precision", WireNames.Of(precision));
        writer.WriteEndObject();
    }

    private static async ValueTask WriteTensorAsync<T>(Utf8JsonWriter writer, TensorData<T> tensor, Func<bool> shouldFlush, Func<ValueTask> flush)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
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

    private static void WriteRow<T>(Utf8JsonWriter writer, ReadOnlySpan<T> row) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        writer.WriteStartArray();
        if (typeof(T) == typeof(float))
        {
            foreach (var x in row)
            {
                writer.WriteNumberValue((float)(object)x);
            }
        }
        else
        {
            foreach (var x in row)
            {
                writer.WriteNumberValue(double.CreateTruncating(x));
            }
        }

        writer.WriteEndArray();
    }
}
