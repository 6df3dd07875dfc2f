using System.Text.Json;
using System.Text.Json.Serialization;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>Scoring names on the wire: <c>scaled_dot</c>, <c>dot</c>, ...</summary>
internal sealed class ScoringConverter() : ExactEnumConverter<Scoring>(JsonNamingPolicy.SnakeCaseLower);

/// <summary>Precision names on the wire: <c>float32</c>, <c>float64</c>.</summary>
internal sealed class PrecisionConverter() : ExactEnumConverter<Precision>(JsonNamingPolicy.SnakeCaseLower);

/// <summary>Encoding names on the wire: <c>nested</c>, <c>base64</c>.</summary>
internal sealed class TensorEncodingConverter() : ExactEnumConverter<TensorEncoding>(JsonNamingPolicy.SnakeCaseLower);

/// <summary>
/// An enum as exactly one of its names: no other casing, no comma-separated combinations (the framework's string enum
/// converter reads <c>"dot,cosine"</c> as flags), no numbers. Anything else is a JSON error naming the allowed values.
/// </summary>
internal abstract class ExactEnumConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    private readonly Dictionary<string, TEnum> _values;
    private readonly Dictionary<TEnum, JsonEncodedText> _names;
    private readonly string _allowed;

    protected ExactEnumConverter(JsonNamingPolicy naming)
    {
        _values = Enum.GetValues<TEnum>().ToDictionary(v => naming.ConvertName(v.ToString()), StringComparer.Ordinal);
        _names = _values.ToDictionary(p => p.Value, p => JsonEncodedText.Encode(p.Key));
        _allowed = string.Join(", ", _values.Keys.Select(k => $"\"{k}\""));
    }

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected one of {_allowed}, found {TensorJsonReader.Describe(reader.TokenType)}");
        }

        var text = reader.GetString()!;
        return _values.TryGetValue(text, out var value)
            ? value
            : throw new JsonException($"expected one of {_allowed}, found \"{(text.Length > 40 ? text[..40] + "…" : text)}\"");
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => writer.WriteStringValue(_names[value]);
}

/// <summary>Alignment names on the wire: <c>top_left</c>, <c>bottom_right</c>.</summary>
internal sealed class AlignmentConverter() : ExactEnumConverter<Alignment>(JsonNamingPolicy.SnakeCaseLower);
