using System.Numerics;
using System.Numerics.Tensors;
using AttentionService.Api.Errors;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.V2;

/// <summary>
/// Turns V2 inputs into engine tensors of the request's precision. A binary input of that precision is used as is;
/// JSON inputs and other widths go through v1's <see cref="WireConversion{T}"/> (narrowing checked). Non-finite
/// numbers, BOOL bytes other than 0 and 1, and key lengths that are not integers are 422s naming the input.
/// </summary>
internal sealed class TensorConversion<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly WireConversion<T> _wire = new();
    private readonly List<IDisposable> _owned = [];

    public FieldErrors Errors => _wire.Errors;

    public TensorData<T>? Numbers(RequestInput? input)
    {
        switch (input)
        {
            case null:
                return null;
            case { Data: { } json }:
                if (json.Defect is { } defect)
                {
                    Errors.Add(input.Name, defect);
                    return null;
                }

                var numbers = Own(new NumberTensor(TensorData.FromPooled(json.Take(), input.Shape, json.Count), null));
                return _wire.Numbers(numbers, input.Name);
            case { Binary: BinaryTensor.Of<T> same }:
                return Finite(same.Data.Span, input.Name) ? same.Data : null;
            case { Binary: BinaryTensor.Of<double> wide }:
                return Finite(wide.Data.Span, input.Name) ? _wire.Numbers(new NumberTensor(wide.Data, null), input.Name) : null;
            case { Binary: BinaryTensor.Of<float> narrow }:
                if (!Finite(narrow.Data.Span, input.Name))
                {
                    return null;
                }

                var widened = Own(TensorData.Rent<T>(input.Shape));
                TensorPrimitives.ConvertTruncating<float, T>(narrow.Data.Span, widened.Span);
                return widened;
            default:
                return null;
        }
    }

    public TensorData<bool>? Booleans(RequestInput? input)
    {
        switch (input)
        {
            case { Data: { } json }:
                var mask = Own(TensorData.Rent<bool>(input.Shape));
                for (var i = 0; i < json.Count; i++)
                {
                    mask.Span[i] = json.Span[i] != 0;
                }

                return mask;
            case { Binary: BinaryTensor.Of<bool> binary }:
                var bad = binary.Bytes.IndexOfAnyExcept((byte)0, (byte)1);
                if (bad >= 0)
                {
                    Errors.Add(input.Name, $"byte {bad} is {binary.Bytes[bad]}; BOOL elements are one byte, 0 or 1");
                    return null;
                }

                return binary.Data;
            default:
                return null;
        }
    }

    public int[]? Integers(RequestInput? input)
    {
        if (input is null)
        {
            return null;
        }

        if (input.Shape.Length != 1)
        {
            Errors.Add(input.Name, $"has shape {TensorShapes.Format(input.Shape)}; it is a vector, one entry per batch item");
            return null;
        }

        var values = input switch
        {
            { Data: { } json } => json.Span.ToArray(),
            { Binary: BinaryTensor.Of<int> ints } => ints.Data.Span.ToArray().Select(i => (double)i).ToArray(),
            { Binary: BinaryTensor.Of<long> longs } => longs.Data.Span.ToArray().Select(l => (double)l).ToArray(),
            _ => [],
        };
        var wrong = Array.FindIndex(values, v => v != Math.Floor(v) || v is < int.MinValue or > int.MaxValue);
        if (wrong >= 0)
        {
            Errors.Add(input.Name, $"element {wrong} is {values[wrong]}; key lengths are integers in 0..m");
            return null;
        }

        return values.Select(v => (int)v).ToArray();
    }

    private bool Finite<TElement>(ReadOnlySpan<TElement> span, string name) where TElement : unmanaged, IBinaryFloatingPointIeee754<TElement>
    {
        if (TensorPrimitives.IsFiniteAll(span))
        {
            return true;
        }

        var index = FirstNonFinite(span);
        Errors.Add(name, $"element {index} is {span[index]}; tensors hold finite numbers");
        return false;
    }

    private static int FirstNonFinite<TElement>(ReadOnlySpan<TElement> span) where TElement : unmanaged, IBinaryFloatingPointIeee754<TElement>
    {
        for (var i = 0; i < span.Length; i++)
        {
            if (!TElement.IsFinite(span[i]))
            {
                return i;
            }
        }

        return 0;
    }

    private TOwned Own<TOwned>(TOwned owned) where TOwned : IDisposable
    {
        _owned.Add(owned);
        return owned;
    }

    public void Dispose()
    {
        _wire.Dispose();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }
}
