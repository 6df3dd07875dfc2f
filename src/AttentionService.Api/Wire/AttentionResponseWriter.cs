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

        if (result.TopKIndices is not null && result.TopKValues is not null)
        {
            writer.WriteStartObject("weightsTopK");
            writer.WritePropertyName("indices");
            await WriteTensorAsync(writer, result.TopKIndices, shouldFlush, flush);
            writer.WritePropertyName("values");
            await WriteTensorAsync(writer, result.TopKValues, shouldFlush, flush);
            writer.WriteEndObject();
        }

        if (result.LogSumExp is not null)
        {
            writer.WritePropertyName("logSumExp");
            await WriteTensorAsync(writer, result.LogSumExp, shouldFlush, flush);
        }

        if (result.Diagnostics is { } diagnostics)
        {
            writer.WriteStartObject("diagnostics");
            writer.WriteString("kernelPath", JsonNamingPolicy.CamelCase.ConvertName(diagnostics.KernelPath.ToString()));
            writer.WriteNumber("maskedRows", diagnostics.MaskedRows);
            writer.WriteNumber("maxAbsScore", diagnostics.MaxAbsScore);
            writer.WritePropertyName("entropy");
            await WriteTensorAsync(writer, diagnostics.Entropy, shouldFlush, flush);
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

    private static async ValueTask WriteTensorAsync<T>(Utf8JsonWriter writer, TensorData<T> tensor, Func<bool> shouldFlush, Func<ValueTask> flush)
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

/// <summary>The wire names of the engine's enums (snake_case, as the converters read them).</summary>
internal static class WireNames
{
    public static string Of(Precision precision) => JsonNamingPolicy.SnakeCaseLower.ConvertName(precision.ToString());
}
