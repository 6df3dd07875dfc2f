using System.Runtime.InteropServices;
using System.Text.Json;

namespace AttentionService.Client;

/// <summary>The element type of a <see cref="Tensor"/>, named as on the wire (<c>float32</c>, <c>float64</c>, <c>bool</c>).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The names are the wire values float32, float64 and bool.")]
public enum TensorType
{
    /// <summary>32-bit IEEE 754 floats.</summary>
    Float32,

    /// <summary>64-bit IEEE 754 floats.</summary>
    Float64,

    /// <summary>Booleans, one byte each (a mask).</summary>
    Bool,
}

/// <summary>
/// A tensor: its elements row-major as little-endian bytes, with its shape. Sent as the binary tensor object
/// <c>{"dtype", "shape", "data"}</c>, or as nested arrays when the client is told to.
/// </summary>
public sealed class Tensor
{
    private readonly byte[] _bytes;

    private Tensor(TensorType type, byte[] bytes, int[] shape)
    {
        var count = 1L;
        foreach (var dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension, nameof(shape));
            count *= dimension;
        }

        if (count * SizeOf(type) != bytes.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] needs {count} elements, the data has {bytes.Length / SizeOf(type)}", nameof(shape));
        }

        Type = type;
        _bytes = bytes;
        Shape = shape;
    }

    /// <summary>The element type.</summary>
    public TensorType Type { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>A float32 tensor of <paramref name="data"/> (row-major) with <paramref name="shape"/>.</summary>
    public static Tensor Of(ReadOnlySpan<float> data, params int[] shape) => new(TensorType.Float32, LittleEndian(MemoryMarshal.AsBytes(data)), shape);

    /// <summary>A float64 tensor of <paramref name="data"/> (row-major) with <paramref name="shape"/>.</summary>
    public static Tensor Of(ReadOnlySpan<double> data, params int[] shape) => new(TensorType.Float64, LittleEndian(MemoryMarshal.AsBytes(data)), shape);

    /// <summary>A boolean tensor (a mask: <c>true</c> = may attend) of <paramref name="data"/> with <paramref name="shape"/>.</summary>
    public static Tensor Of(ReadOnlySpan<bool> data, params int[] shape) => new(TensorType.Bool, MemoryMarshal.AsBytes(data).ToArray(), shape);

    /// <summary>The elements as floats (narrowed from float64 if need be).</summary>
    public float[] ToSingles() => Type switch
    {
        TensorType.Float32 => MemoryMarshal.Cast<byte, float>(_bytes).ToArray(),
        TensorType.Float64 => Array.ConvertAll(ToDoubles(), d => (float)d),
        _ => throw new InvalidOperationException("a boolean tensor has no numbers"),
    };

    /// <summary>The elements as doubles (widened from float32 if need be).</summary>
    public double[] ToDoubles() => Type switch
    {
        TensorType.Float64 => MemoryMarshal.Cast<byte, double>(_bytes).ToArray(),
        TensorType.Float32 => Array.ConvertAll(MemoryMarshal.Cast<byte, float>(_bytes).ToArray(), f => (double)f),
        _ => throw new InvalidOperationException("a boolean tensor has no numbers"),
    };

    internal void Write(Utf8JsonWriter writer, bool binary)
    {
        if (binary)
        {
            writer.WriteStartObject();
            writer.WriteString("dtype", Type switch { TensorType.Float32 => "float32", TensorType.Float64 => "float64", _ => "bool" });
            writer.WriteStartArray("shape");
            foreach (var dimension in Shape)
            {
                writer.WriteNumberValue(dimension);
            }

            writer.WriteEndArray();
            writer.WriteBase64String("data", _bytes);
            writer.WriteEndObject();
            return;
        }

        var index = 0;
        WriteNested(writer, 0, ref index);
    }

    /// <summary>Reads an answer's tensor, nested arrays or a tensor object, in <paramref name="type"/>.</summary>
    internal static Tensor Read(JsonElement element, TensorType type)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var shape = element.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var bytes = element.GetProperty("data").GetBytesFromBase64();
            var wire = element.GetProperty("dtype").GetString() == "float64" ? TensorType.Float64 : TensorType.Float32;
            var tensor = new Tensor(wire, bytes, shape);
            return wire == type ? tensor : type == TensorType.Float64 ? Of(tensor.ToDoubles(), shape) : Of(tensor.ToSingles(), shape);
        }

        var dims = new List<int>();
        for (var level = element; level.ValueKind == JsonValueKind.Array; level = level[0])
        {
            dims.Add(level.GetArrayLength());
        }

        var values = new List<double>();
        Flatten(element, values);
        return type == TensorType.Float64 ? Of(values.ToArray(), [.. dims]) : Of(values.Select(v => (float)v).ToArray(), [.. dims]);
    }

    private void WriteNested(Utf8JsonWriter writer, int depth, ref int index)
    {
        writer.WriteStartArray();
        for (var i = 0; i < Shape[depth]; i++)
        {
            if (depth < Shape.Count - 1)
            {
                WriteNested(writer, depth + 1, ref index);
                continue;
            }

            switch (Type)
            {
                case TensorType.Float32: writer.WriteNumberValue(MemoryMarshal.Cast<byte, float>(_bytes)[index++]); break;
                case TensorType.Float64: writer.WriteNumberValue(MemoryMarshal.Cast<byte, double>(_bytes)[index++]); break;
                default: writer.WriteBooleanValue(_bytes[index++] != 0); break;
            }
        }

        writer.WriteEndArray();
    }

    private static void Flatten(JsonElement element, List<double> values)
    {
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                Flatten(item, values);
            }
            else
            {
                values.Add(item.GetDouble());
            }
        }
    }

    private static int SizeOf(TensorType type) => type switch { TensorType.Float32 => 4, TensorType.Float64 => 8, _ => 1 };

    private static byte[] LittleEndian(ReadOnlySpan<byte> bytes) => BitConverter.IsLittleEndian
        ? bytes.ToArray()
        : throw new PlatformNotSupportedException("the binary tensor form is little-endian");
}
