using System.Numerics;
using System.Numerics.Tensors;
using AttentionService.Api.Errors;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// Turns wire tensors (always parsed as double) into engine tensors of the request's precision. Tensor defects and
/// numbers beyond float32's range become field errors; buffers created here are returned when it is disposed.
/// </summary>
internal sealed class WireConversion<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly List<IDisposable> _owned = [];

    public FieldErrors Errors { get; } = new();

    public TensorData<T>? Numbers(NumberTensor? wire, string field)
    {
        if (wire is null)
        {
            return null;
        }

        if (wire.Defect is { } defect)
        {
            Errors.Add(field + defect.Path, defect.Message);
            return null;
        }

        var source = wire.Data!;
        if (typeof(T) == typeof(double))
        {
            return (TensorData<T>)(object)source;
        }

        var converted = TensorData.Rent<T>(source.ShapeArray());
        _owned.Add(converted);
        TensorPrimitives.ConvertTruncating<double, T>(source.Span, converted.Span);
        if (converted.Length > 0 && !TensorPrimitives.IsFiniteAll<T>(converted.Span))
        {
            var index = FirstNonFinite(converted.Span);
            Errors.Add(field + IndexPath(source.Shape, index), $"{source.Span[index]:R} is not finite in float32 (|x| > 3.4e38); send \"precision\": \"float64\" or smaller numbers");
            return null;
        }

        return converted;
    }

    public TensorData<bool>? Booleans(BoolTensor? wire, string field)
    {
        if (wire?.Defect is { } defect)
        {
            Errors.Add(field + defect.Path, defect.Message);
            return null;
        }

        return wire?.Data;
    }

    private static int FirstNonFinite(ReadOnlySpan<T> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            if (!T.IsFinite(span[i]))
            {
                return i;
            }
        }

        return 0;
    }

    private static string IndexPath(ReadOnlySpan<int> shape, int flat)
    {
        var indices = new int[shape.Length];
        for (var k = shape.Length - 1; k >= 0; k--)
        {
            indices[k] = flat % shape[k];
            flat /= shape[k];
        }

        return string.Concat(indices.Select(i => $"[{i}]"));
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }
}
