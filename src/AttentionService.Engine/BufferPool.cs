using System.Buffers;
using System.Runtime.CompilerServices;

namespace AttentionService.Engine;

/// <summary>
/// Where every buffer of the engine and the service comes from. Small arrays are pooled (<see cref="ArrayPool{T}.Shared"/>);
/// arrays over <see cref="PooledBytesLimit"/> are allocated for the request and left to the garbage collector on
/// return, because the shared pool keeps what it is given (up to 1 GiB an array) for as long as the process lives, and
/// one large request would otherwise grow the process for good.
/// </summary>
public static class BufferPool
{
    /// <summary>The largest array, in bytes, that is pooled; a power of two, so every pooled array stays within it.</summary>
    public const int PooledBytesLimit = 1 << 20;

    /// <summary>An array of at least <paramref name="length"/> elements (at least one); its contents are not cleared.</summary>
    public static T[] Rent<T>(int length)
    {
        length = Math.Max(length, 1);
        return (long)length * Unsafe.SizeOf<T>() <= PooledBytesLimit
            ? ArrayPool<T>.Shared.Rent(length)
            : GC.AllocateUninitializedArray<T>(length);
    }

    /// <summary>Gives back an array from <see cref="Rent{T}"/>: a small one to the pool, a large one to the garbage collector.</summary>
    public static void Return<T>(T[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if ((long)array.Length * Unsafe.SizeOf<T>() <= PooledBytesLimit)
        {
            ArrayPool<T>.Shared.Return(array);
        }
    }
}
