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

    /// <summary>The tensor in the request's precision; <paramref name="allowNegativeInfinity"/> lets −∞ through (a log-sum-exp of a row with no key).</summary>
    public TensorData<T>? Numbers(WireTensor<double>? wire, string field, bool allowNegativeInfinity = false)
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
        if (converted.Length > 0 && !TensorPrimitives.IsFiniteAll<T>(converted.Span) && FirstNonFinite(converted.Span, allowNegativeInfinity ? source.Span : default) is var index and >= 0)
        {
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

    private static int FirstNonFinite(ReadOnlySpan<T> span, ReadOnlySpan<double> negativeInfinityAllowedIn)
    {
        for (var i = 0; i < span.Length; i++)
        {
            if (!T.IsFinite(span[i]) && !(!negativeInfinityAllowedIn.IsEmpty && double.IsNegativeInfinity(negativeInfinityAllowedIn[i])))
            {
                return i;
            }
        }

        return -1;
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
