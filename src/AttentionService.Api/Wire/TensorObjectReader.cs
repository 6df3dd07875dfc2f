using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// Reads a tensor object, <c>{"dtype": "float32", "shape": [2, 3], "data": "&lt;base64&gt;"}</c> in any member order:
/// the byte count is checked against the shape before a buffer is rented, then the base64 is decoded straight into
/// it. Not JSON of that form (unknown dtype, data that is not base64, members missing or extra) is a 400 through
/// <see cref="JsonException"/>; a well-formed object that is not a usable tensor is a 422 <see cref="TensorDefect"/>.
/// </summary>
internal static class TensorObjectReader
{
    public static NumberTensor ReadNumbers(ref Utf8JsonReader reader)
    {
        var (dtype, shape, rented) = ReadMembers(ref reader, booleans: false, out var data);
        try
        {
            var defect = CheckShape(shape, dtype == "float64" ? 8 : 4, Base64Tensor.DecodedLength(data), dtype);
            if (defect is not null)
            {
                return new NumberTensor(null, null, null, defect);
            }

            if (dtype == "float64")
            {
                var (doubles, bad) = Decode<double>(data, shape);
                return new NumberTensor(doubles, null, null, bad);
            }

            var (floats, badFloat) = Decode<float>(data, shape);
            return new NumberTensor(null, floats, null, badFloat);
        }
        finally
        {
            Return(rented);
        }
    }

    public static BoolTensor ReadBooleans(ref Utf8JsonReader reader)
    {
        var (dtype, shape, rented) = ReadMembers(ref reader, booleans: true, out var data);
        try
        {
            var defect = CheckShape(shape, 1, Base64Tensor.DecodedLength(data), dtype);
            if (defect is not null)
            {
                return new BoolTensor(null, defect);
            }

            var tensor = TensorData.Rent<bool>(shape);
            if (!Base64Tensor.TryDecode<bool>(data, tensor.Span))
            {
                tensor.Dispose();
                throw NotBase64();
            }

            var bad = Base64Tensor.FirstNonBoolean(MemoryMarshal.AsBytes(tensor.Span));
            if (bad >= 0)
            {
                var value = MemoryMarshal.AsBytes(tensor.Span)[bad];
                tensor.Dispose();
                return new BoolTensor(null, new TensorDefect(IndexPath(shape, bad), $"byte {value} is not a boolean; bool elements are one byte each, 0 or 1"));
            }

            return new BoolTensor(tensor, null);
        }
        finally
        {
            Return(rented);
        }
    }

    private static (TensorData<T>? Data, TensorDefect? Defect) Decode<T>(ReadOnlySpan<byte> data, int[] shape)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var tensor = TensorData.Rent<T>(shape);
        if (!Base64Tensor.TryDecode<T>(data, tensor.Span))
        {
            tensor.Dispose();
            throw NotBase64();
        }

        var bad = Base64Tensor.FirstNonFinite<T>(tensor.Span);
        if (bad >= 0)
        {
            var value = tensor.Span[bad];
            tensor.Dispose();
            return (null, new TensorDefect(IndexPath(shape, bad), $"{value} is not a finite number"));
        }

        return (tensor, null);
    }

    /// <summary>Reads the members; the data is the body's own bytes unless it had JSON escapes (then a pooled copy).</summary>
    private static (string Dtype, int[] Shape, byte[]? Rented) ReadMembers(ref Utf8JsonReader reader, bool booleans, out ReadOnlySpan<byte> data)
    {
        string? dtype = null;
        List<long>? shape = null;
        data = default;
        var hasData = false;
        byte[]? rented = null;
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "dtype":
                        dtype = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw new JsonException("a tensor object's dtype is a string");
                        break;
                    case "shape":
                        shape = ReadShape(ref reader);
                        break;
                    case "data":
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            throw new JsonException("a tensor object's data is a base64 string");
                        }

                        hasData = true;
                        if (reader.ValueIsEscaped || reader.HasValueSequence)
                        {
                            Return(rented);
                            rented = ArrayPool<byte>.Shared.Rent(reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length);
                            data = rented.AsSpan(0, reader.CopyString(rented));
                        }
                        else
                        {
                            data = reader.ValueSpan;
                        }

                        break;
                    default:
                        throw new JsonException($"a tensor object has the members dtype, shape and data; \"{name}\" is not one of them");
                }
            }

            var missing = new[] { dtype is null ? "dtype" : null, shape is null ? "shape" : null, hasData ? null : "data" }.Where(m => m is not null).ToArray();
            if (missing.Length > 0)
            {
                throw new JsonException($"a tensor object needs dtype, shape and data; {string.Join(" and ", missing)} {(missing.Length == 1 ? "is" : "are")} missing");
            }

            var known = booleans ? dtype == "bool" : dtype is "float32" or "float64";
            if (!known)
            {
                throw new JsonException(booleans
                    ? $"unknown dtype \"{dtype}\"; a boolean tensor object's dtype is bool (one byte per element, 0 or 1)"
                    : $"unknown dtype \"{dtype}\"; a number tensor object's dtype is float32 or float64");
            }

            // Dimensions that do not fit an int are reported as they were sent, by the shape check (a 422).
            var dims = shape!.Select(d => (int)Math.Clamp(d, -1, int.MaxValue)).ToArray();
            return (dtype!, dims, rented);
        }
        catch
        {
            Return(rented);
            throw;
        }
    }

    private static List<long> ReadShape(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("a tensor object's shape is an array of integers");
        }

        var dims = new List<long>(4);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var dim))
            {
                throw new JsonException("a tensor object's shape is an array of integers");
            }

            dims.Add(dim);
            if (dims.Count > 64)
            {
                throw new JsonException("a tensor object's shape has at most 4 dimensions");
            }
        }

        return dims;
    }

    /// <summary>Rank, dimensions and byte count, before anything is allocated (422); data that cannot be base64 by its length is a 400.</summary>
    private static TensorDefect? CheckShape(int[] shape, int elementSize, long dataBytes, string dtype)
    {
        if (dataBytes < 0)
        {
            throw NotBase64();
        }

        var formatted = TensorData.Format(shape);
        if (shape.Length is < 1 or > NestedNumberScanner.MaxRank)
        {
            return new TensorDefect("", $"shape {formatted} has rank {shape.Length}; tensors have rank 2 to 4, vectors rank 1");
        }

        if (shape.Any(d => d <= 0))
        {
            return new TensorDefect("", $"shape {formatted} has a dimension below 1; every dimension must be at least 1");
        }

        var count = shape.Aggregate(1L, (n, d) => Math.Min(n * d, long.MaxValue / 16));
        if (count > Array.MaxLength)
        {
            return new TensorDefect("", $"shape {formatted} holds {count} elements; one tensor holds at most {Array.MaxLength}");
        }

        var needed = count * elementSize;
        return needed == dataBytes
            ? null
            : new TensorDefect("", $"data holds {dataBytes} bytes but shape {formatted} of {dtype} needs {needed} ({count} elements of {elementSize} bytes)");
    }

    private static JsonException NotBase64() => new("a tensor object's data is not base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, padded with = to a multiple of 4)");

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string IndexPath(int[] shape, int flat)
    {
        var indices = new int[shape.Length];
        for (var k = shape.Length - 1; k >= 0; k--)
        {
            indices[k] = flat % shape[k];
            flat /= shape[k];
        }

        return string.Concat(indices.Select(i => $"[{i}]"));
    }
}
