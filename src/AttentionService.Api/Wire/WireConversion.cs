using System.Numerics;
using System.Numerics.Tensors;
using AttentionService.Api.Errors;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// Turns wire tensors into engine tensors of the request's precision: kept as they came when the dtype matches,
/// widened (float32 to float64, exact) or narrowed (to float32, rounded once: nested numbers carry their
/// <see cref="Float32Fixups"/>) otherwise. Tensor defects and numbers beyond float32's range become field errors;
/// buffers created here are returned when it is disposed.
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

        if (wire.Doubles is { } doubles)
        {
            if (typeof(T) == typeof(double))
            {
                return (TensorData<T>)(object)doubles;
            }

            var narrowed = Float32Fixups.Narrow(doubles, wire.Fixups, out var tooLarge);
            _owned.Add(narrowed);
            if (tooLarge >= 0)
            {
                Errors.Add(field + IndexPath(doubles.Shape, tooLarge), $"{doubles.Span[tooLarge]:R} is not finite in float32 (|x| > 3.4e38); send \"precision\": \"float64\" or smaller numbers");
                return null;
            }

            return (TensorData<T>)(object)narrowed;
        }

        var floats = wire.Floats!;
        if (typeof(T) == typeof(float))
        {
            return (TensorData<T>)(object)floats;
        }

        var widened = TensorData.Rent<T>(floats.ShapeArray());
        _owned.Add(widened);
        TensorPrimitives.ConvertTruncating<float, T>(floats.Span, widened.Span);
        return widened;
    }

    /// <summary>A partial answer's log-sum-exp in the request's precision: −∞ (a row with no key) passes, any other non-finite value is refused.</summary>
    public TensorData<T>? LogSumExp(LogSumExpTensor? wire, string field)
    {
        if (wire?.Defect is { } defect)
        {
            Errors.Add(field + defect.Path, defect.Message);
            return null;
        }

        if (wire?.Data is not { } source || typeof(T) == typeof(double))
        {
            return (TensorData<T>?)(object?)wire?.Data;
        }

        var converted = TensorData.Rent<T>(source.ShapeArray());
        _owned.Add(converted);
        TensorPrimitives.ConvertTruncating<double, T>(source.Span, converted.Span);
        for (var i = 0; i < converted.Length; i++)
        {
            if (!T.IsFinite(converted.Span[i]) && !double.IsNegativeInfinity(source.Span[i]))
            {
                Errors.Add(field + IndexPath(source.Shape, i), $"{source.Span[i]:R} is not finite in float32 (|x| > 3.4e38); send \"precision\": \"float64\"");
                return null;
            }
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
