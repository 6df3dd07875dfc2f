using System.Buffers;
using System.Runtime.CompilerServices;

namespace AttentionService.Engine;

/// <summary>
/// Where every buffer of the engine and the service comes from. Small arrays are pooled (<see cref="ArrayPool{T}.Shared"/>).
/// Arrays over <see cref="PooledBytesLimit"/> are not, because the shared pool keeps what it is given (up to 1 GiB an
/// array) for as long as the process lives, and one large request would otherwise grow the process for good: a large
/// array comes from a small bounded cache of exact sizes (a few arrays, at most <see cref="MaxKeptLargeBytes"/>) or is
/// allocated, and on return it is kept there if it fits or left to the garbage collector.
/// </summary>
public static class BufferPool
{
    /// <summary>The largest array, in bytes, that is pooled; a power of two, so every pooled array stays within it.</summary>
    public const int PooledBytesLimit = 1 << 20;

    /// <summary>The most bytes of large arrays kept for reuse: 64 MiB, or a sixteenth of what the runtime may use if less.</summary>
    public static long MaxKeptLargeBytes => LargeBufferCache.MaxBytes;

    /// <summary>The bytes of large arrays kept for reuse now.</summary>
    public static long KeptLargeBytes => LargeBufferCache.Bytes;

    /// <summary>Lets go of every large array kept for reuse (they are also let go when the memory load is high).</summary>
    public static void TrimLarge() => LargeBufferCache.Trim();

    /// <summary>An array of at least <paramref name="length"/> elements (at least one); its contents are not cleared.</summary>
    public static T[] Rent<T>(int length)
    {
        length = Math.Max(length, 1);
        return (long)length * Unsafe.SizeOf<T>() <= PooledBytesLimit
            ? ArrayPool<T>.Shared.Rent(length)
            : LargeBufferCache.TryTake<T>(length) ?? GC.AllocateUninitializedArray<T>(length);
    }

    /// <summary>Gives back an array from <see cref="Rent{T}"/>: a small one to the pool, a large one to the bounded cache or the garbage collector.</summary>
    public static void Return<T>(T[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if ((long)array.Length * Unsafe.SizeOf<T>() <= PooledBytesLimit)
        {
            ArrayPool<T>.Shared.Return(array);
        }
        else
        {
            LargeBufferCache.Offer(array, (long)array.Length * Unsafe.SizeOf<T>());
        }
    }
}
