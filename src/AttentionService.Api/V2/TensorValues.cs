using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using AttentionService.Api.Wire;

namespace AttentionService.Api.V2;

/// <summary>
/// The <c>data</c> of a JSON tensor: its elements, flattened row-major into a pooled buffer as they are read (a flat
/// list, or nested lists). Numbers are kept as doubles; booleans as 0 and 1. Which of the two it held is checked against
/// the datatype once the whole input is read, since <c>data</c> may come before <c>datatype</c>.
/// </summary>
[JsonConverter(typeof(TensorValuesConverter))]
public sealed class TensorValues : IDisposable
{
    private double[]? _buffer;

    internal TensorValues(double[] buffer, int count, bool booleans, bool numbers, string? defect)
    {
        _buffer = buffer;
        Count = count;
        HasBooleans = booleans;
        HasNumbers = numbers;
        Defect = defect;
    }

    /// <summary>How many elements were read.</summary>
    public int Count { get; }

    internal bool HasBooleans { get; }

    internal bool HasNumbers { get; }

    /// <summary>A number that is not finite (1e999), to refuse with 422.</summary>
    internal string? Defect { get; }

    internal ReadOnlySpan<double> Span => _buffer.AsSpan(0, Count);

    /// <summary>Hands the buffer over to a tensor; this instance no longer owns it.</summary>
    internal double[] Take() => Interlocked.Exchange(ref _buffer, null) ?? throw new ObjectDisposedException(nameof(TensorValues));

    /// <summary>Returns the buffer to the pool, unless it was handed over.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }
}

/// <summary>Reads <see cref="TensorValues"/>: arrays nested up to 5 deep of numbers or booleans; anything else is a JSON error (400).</summary>
internal sealed class TensorValuesConverter : JsonConverter<TensorValues>
{
    private const int MaxDepth = 5;

    public override TensorValues Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"expected a list of numbers or booleans, found {TensorJsonReader.Describe(reader.TokenType)}");
        }

        var buffer = ArrayPool<double>.Shared.Rent(256);
        int count = 0, depth = 1;
        bool booleans = false, numbers = false;
        string? defect = null;
        try
        {
            while (depth > 0)
            {
                if (!reader.Read())
                {
                    throw new JsonException("the data ends before its lists are closed");
                }

                double value;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray when depth < MaxDepth:
                        depth++;
                        continue;
                    case JsonTokenType.EndArray:
                        depth--;
                        continue;
                    case JsonTokenType.True or JsonTokenType.False:
                        booleans = true;
                        value = reader.TokenType == JsonTokenType.True ? 1 : 0;
                        break;
                    case JsonTokenType.Number:
                        numbers = true;
                        if (!reader.TryGetDouble(out value) || !double.IsFinite(value))
                        {
                            defect ??= $"element {count} ({System.Text.Encoding.UTF8.GetString(reader.ValueSpan)}) is not a finite number";
                            value = 0;
                        }

                        break;
                    case JsonTokenType.StartArray:
                        throw new JsonException($"data is nested at most {MaxDepth} deep");
                    default:
                        throw new JsonException($"expected numbers or booleans, found {TensorJsonReader.Describe(reader.TokenType)} at element {count}");
                }

                if (count == buffer.Length)
                {
                    var larger = ArrayPool<double>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<double>.Shared.Return(buffer);
                    buffer = larger;
                }

                buffer[count++] = value;
            }

            var values = new TensorValues(buffer, count, booleans, numbers, defect);
            buffer = null;
            return values;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<double>.Shared.Return(buffer);
            }
        }
    }

    public override void Write(Utf8JsonWriter writer, TensorValues value, JsonSerializerOptions options) =>
        throw new NotSupportedException("answers are written by InferenceResult");
}
