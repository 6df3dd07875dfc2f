using System.Text.Json;
using System.Text.Json.Serialization;

namespace AttentionService.Api.Wire;

/// <summary>
/// Reads a <see cref="NumberTensor"/>: nested arrays through <see cref="NestedNumberScanner"/> (bytes scanned in place,
/// no tokens), or a tensor object through <see cref="TensorObjectReader"/>. Answers are written by
/// <see cref="AttentionResponseWriter"/>.
/// </summary>
internal sealed class NumberTensorConverter : JsonConverter<NumberTensor>
{
    public override bool HandleNull => true;

    public override NumberTensor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return TensorObjectReader.ReadNumbers(ref reader);
        }

        using var scanned = ReaderBridge.ReadNumbers(ref reader);
        return scanned.DefectMessage is { } message
            ? new NumberTensor(null, null, null, new TensorDefect(scanned.DefectPath!, message))
            : new NumberTensor(scanned.TakeData(), null, scanned.Fixups, null);
    }

    public override void Write(Utf8JsonWriter writer, NumberTensor value, JsonSerializerOptions options) =>
        throw new NotSupportedException("tensors are written by AttentionResponseWriter");
}

/// <summary>Reads a <see cref="BoolTensor"/>: nested arrays of booleans, or a tensor object of dtype <c>bool</c>.</summary>
internal sealed class BoolTensorConverter : JsonConverter<BoolTensor>
{
    public override bool HandleNull => true;

    public override BoolTensor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return TensorObjectReader.ReadBooleans(ref reader);
        }

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
