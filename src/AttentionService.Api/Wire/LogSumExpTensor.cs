using System.Text.Json;
using System.Text.Json.Serialization;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>A log-sum-exp tensor <c>[..., n]</c>: numbers, or the string <c>"-Infinity"</c> for a row with no key.</summary>
[JsonConverter(typeof(LogSumExpTensorConverter))]
public sealed class LogSumExpTensor : WireTensor
{
    internal LogSumExpTensor(TensorData<double>? data, TensorDefect? defect)
        : base(defect) => Data = data;

    /// <summary>The elements and shape; <c>null</c> when <see cref="WireTensor.Defect"/> is set.</summary>
    public TensorData<double>? Data { get; }

    /// <inheritdoc/>
    public override int[]? Shape => Data?.ShapeArray();

    private protected override void Release() => Data?.Dispose();
}

/// <summary>Reads a <see cref="LogSumExpTensor"/>: any other string, or a non-finite number, is refused.</summary>
internal sealed class LogSumExpTensorConverter : JsonConverter<LogSumExpTensor>
{
    public override bool HandleNull => true;

    public override LogSumExpTensor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var (data, defect) = TensorJsonReader.Read<double>(ref reader, "numbers or \"-Infinity\"", ReadElement);
        return new LogSumExpTensor(data, defect);
    }

    private static bool ReadElement(ref Utf8JsonReader reader, out double value, out string? problem)
    {
        problem = null;
        value = double.NegativeInfinity;
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.ValueTextEquals("-Infinity");
        }

        if (reader.TokenType != JsonTokenType.Number)
        {
            return false;
        }

        if (!reader.TryGetDouble(out value) || !double.IsFinite(value))
        {
            problem = $"{System.Text.Encoding.UTF8.GetString(reader.ValueSpan)} is not a finite number";
            return false;
        }

        return true;
    }

    public override void Write(Utf8JsonWriter writer, LogSumExpTensor value, JsonSerializerOptions options) =>
        throw new NotSupportedException("tensors are written by AttentionResponseWriter");
}
