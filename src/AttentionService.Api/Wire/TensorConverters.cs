using System.Text.Json;
using System.Text.Json.Serialization;

namespace AttentionService.Api.Wire;

/// <summary>Reads a <see cref="NumberTensor"/>; writes are not needed (answers are written by <see cref="AttentionResponseWriter"/>).</summary>
internal sealed class NumberTensorConverter : JsonConverter<NumberTensor>
{
    public override bool HandleNull => true;

    public override NumberTensor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var (data, defect) = TensorJsonReader.Read<double>(ref reader, "numbers", ReadNumber);
        return new NumberTensor(data, defect);
    }

    private static bool ReadNumber(ref Utf8JsonReader reader, out double value, out string? problem)
    {
        problem = null;
        value = 0;
        if (reader.TokenType != JsonTokenType.Number)
        {
            return false; // strings ("NaN"), null, booleans, objects: a JSON type error
        }

        if (!reader.TryGetDouble(out value) || !double.IsFinite(value))
        {
            problem = $"{System.Text.Encoding.UTF8.GetString(reader.ValueSpan)} is not a finite number";
            return false;
        }

        return true;
    }

    public override void Write(Utf8JsonWriter writer, NumberTensor value, JsonSerializerOptions options) =>
        throw new NotSupportedException("tensors are written by AttentionResponseWriter");
}

/// <summary>Reads a <see cref="BoolTensor"/>.</summary>
internal sealed class BoolTensorConverter : JsonConverter<BoolTensor>
{
    public override bool HandleNull => true;

    public override BoolTensor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var (data, defect) = TensorJsonReader.Read<bool>(ref reader, "booleans", ReadBool);
        return new BoolTensor(data, defect);
    }

    private static bool ReadBool(ref Utf8JsonReader reader, out bool value, out string? problem)
    {
        problem = null;
        value = reader.TokenType == JsonTokenType.True;
        return reader.TokenType is JsonTokenType.True or JsonTokenType.False;
    }

    public override void Write(Utf8JsonWriter writer, BoolTensor value, JsonSerializerOptions options) =>
        throw new NotSupportedException("tensors are written by AttentionResponseWriter");
}
