namespace AttentionService.Engine;

/// <summary>
/// A dense row-major tensor: a flat buffer plus a shape. Buffers rented with <see cref="TensorData.Rent{T}"/> come from
/// <see cref="BufferPool"/> and go back on <see cref="Dispose"/>; wrapped arrays are left alone.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class TensorData<T> : IDisposable where T : unmanaged
{
    private T[]? _array;
    private readonly bool _pooled;
    private readonly int[] _shape;

    private TensorData(T[] array, int[] shape, int length, bool pooled)
    {
        _array = array;
        _shape = shape;
        Length = length;
        _pooled = pooled;
    }

    internal static TensorData<T> Create(T[] array, int[] shape, int length, bool pooled) => new(array, shape, length, pooled);

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The elements, row-major.</summary>
    public Span<T> Span => (_array ?? throw new ObjectDisposedException(nameof(TensorData<T>))).AsSpan(0, Length);

    /// <summary>The backing array, which may be longer than <see cref="Length"/>.</summary>
    internal T[] Array => _array ?? throw new ObjectDisposedException(nameof(TensorData<T>));

    /// <summary>The size of dimension <paramref name="axis"/>; a negative axis counts from the end.</summary>
    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>The shape as an array, for messages and results.</summary>
    public int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>Returns a pooled buffer to the pool. Safe to call more than once.</summary>
    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null && _pooled)
        {
            BufferPool.Return(array);
        }
    }

}

/// <summary>Creates <see cref="TensorData{T}"/> instances and formats shapes.</summary>
public static class TensorData
{
    /// <summary>Wraps an existing array; <paramref name="data"/> must hold exactly the product of <paramref name="shape"/> elements.</summary>
    public static TensorData<T> Wrap<T>(T[] data, params int[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        var length = ElementCount(shape);
        if (length != data.Length)
        {
            throw new ArgumentException($"shape {Format(shape)} holds {length} elements, the array {data.Length}", nameof(shape));
        }

        return TensorData<T>.Create(data, (int[])shape.Clone(), length, pooled: false);
    }

    /// <summary>Rents a buffer for <paramref name="shape"/> from <see cref="BufferPool"/>. Its contents are not cleared.</summary>
    public static TensorData<T> Rent<T>(params int[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(shape);
        var length = ElementCount(shape);
        return TensorData<T>.Create(BufferPool.Rent<T>(Math.Max(length, 1)), (int[])shape.Clone(), length, pooled: true);
    }

    /// <summary>Takes ownership of a pooled array that already holds <paramref name="length"/> elements.</summary>
    public static TensorData<T> FromPooled<T>(T[] array, int[] shape, int length) where T : unmanaged =>
        TensorData<T>.Create(array, shape, length, pooled: true);

    /// <summary>Formats a shape as <c>[2, 3]</c> for messages.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    internal static int ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim);
            count *= dim;
            if (count > System.Array.MaxLength)
            {
                throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] is too large for one buffer", nameof(shape));
            }
        }

        return (int)count;
    }
}
