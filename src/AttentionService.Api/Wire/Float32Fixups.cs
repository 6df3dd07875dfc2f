using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// Nested numbers are read as doubles before the request's precision is known (it may come after the tensors). Rounding
/// that double to float32 gives the float32 nearest the decimal text, except when the double landed exactly halfway
/// between two float32 values while the text was not: then the tie is broken by the double's rounding, not the text.
/// Those rare elements are parsed again straight to float32 and kept here, so narrowing is exact.
/// </summary>
public sealed class Float32Fixups
{
    private readonly List<(int Index, float Value)> _items = [];

    /// <summary>The elements to overwrite after narrowing, by flat index.</summary>
    public IReadOnlyList<(int Index, float Value)> Items => _items;

    internal void Add(int index, float value) => _items.Add((index, value));

    /// <summary>Whether <paramref name="value"/> lies exactly halfway between two adjacent float32 values (or float32's largest and 2^128).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // asked of every number read: the common answer must cost a few instructions
    public static bool IsMidpoint(double value)
    {
        var bits = BitConverter.DoubleToUInt64Bits(value);
        var magnitude = Math.Abs(value);
        if ((bits & 0x1FFF_FFFF) == 0x1000_0000)
        {
            // The 29 bits a float32 lacks are exactly one half: a midpoint wherever float32 values are normal.
            return magnitude >= 1.1754943508222875E-38; // 2^-126
        }

        return magnitude < 1.1754943508222875E-38 && IsSubnormalMidpoint(magnitude);
    }

    /// <summary>Below float32's normal range its spacing is 2^-149: midpoints are odd multiples of 2^-150.</summary>
    private static bool IsSubnormalMidpoint(double magnitude)
    {
        var scaled = Math.ScaleB(magnitude, 150);
        return scaled < 16_777_216 && scaled != 0 && scaled == Math.Floor(scaled) && scaled % 2 == 1;
    }

    /// <summary>
    /// Rounds <paramref name="source"/> to float32 into <paramref name="destination"/>, applying <paramref name="fixups"/>;
    /// returns the index of the first element too large for float32, or -1.
    /// </summary>
    public static int Narrow(ReadOnlySpan<double> source, Span<float> destination, Float32Fixups? fixups)
    {
        TensorPrimitives.ConvertTruncating(source, destination);
        if (fixups is not null)
        {
            foreach (var (index, value) in fixups._items)
            {
                destination[index] = value;
            }
        }

        if (destination.IsEmpty || TensorPrimitives.IsFiniteAll<float>(destination))
        {
            return -1;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            if (!float.IsFinite(destination[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Narrows a whole tensor into a new pooled float32 tensor of the same shape (the caller disposes it).</summary>
    public static TensorData<float> Narrow(TensorData<double> source, Float32Fixups? fixups, out int firstNonFinite)
    {
        var narrowed = TensorData.Rent<float>(source.ShapeArray());
        firstNonFinite = Narrow(source.Span, narrowed.Span, fixups);
        return narrowed;
    }
}
