namespace AttentionService.Engine;

/// <summary>
/// A few large arrays kept for the next request of the same size. Writing into a fresh array over 1 MiB pays a page
/// fault per 4 KiB page the first time (a third of the time of an 8 MiB answer); a kept array has its pages already.
/// The cache is small on purpose: at most <see cref="Slots"/> arrays and <see cref="MaxBytes"/> bytes, which a memory
/// budget sized for the requests themselves can afford beside them. It lets go of everything when memory runs short
/// (<see cref="Trim"/>, a high memory load) and of what nobody asked for between two full collections.
/// </summary>
internal static class LargeBufferCache
{
    /// <summary>Room for the output and weights of two requests at once (the machine this serves has few cores).</summary>
    internal const int Slots = 4;

    private static readonly Kept?[] s_slots = new Kept?[Slots];
    private static long s_bytes;
    private static int s_hitsSinceFullCollection;
    private static int s_nextVictim;

    /// <summary>64 MiB, or a sixteenth of what the runtime may use (its heap hard limit, the container's memory) if less.</summary>
    internal static long MaxBytes { get; } = Math.Min(64L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 16);

    /// <summary>The bytes kept now.</summary>
    internal static long Bytes => Interlocked.Read(ref s_bytes);

    static LargeBufferCache() => _ = new FullCollectionWatch();

    /// <summary>A kept array of exactly <paramref name="length"/> elements, taken out of the cache so that no one else gets it.</summary>
    internal static T[]? TryTake<T>(int length)
    {
        for (var i = 0; i < Slots; i++)
        {
            var kept = Volatile.Read(ref s_slots[i]);
            if (kept?.Array is T[] array && array.Length == length && Interlocked.CompareExchange(ref s_slots[i], null, kept) == kept)
            {
                Interlocked.Add(ref s_bytes, -kept.Bytes);
                Interlocked.Increment(ref s_hitsSinceFullCollection);
                return array;
            }
        }

        return null;
    }

    /// <summary>Keeps <paramref name="array"/> if it fits the bounds, making room by dropping older arrays; otherwise leaves it to the collector.</summary>
    internal static void Offer(Array array, long bytes)
    {
        if (bytes > MaxBytes || MemoryIsShort())
        {
            return;
        }

        var kept = new Kept(array, bytes);
        for (var attempt = 0; attempt <= Slots; attempt++)
        {
            // Reserve the bytes first, so that concurrent offers can never hold more than MaxBytes between them.
            if (Interlocked.Add(ref s_bytes, bytes) <= MaxBytes)
            {
                for (var i = 0; i < Slots; i++)
                {
                    if (Interlocked.CompareExchange(ref s_slots[i], kept, null) is null)
                    {
                        return;
                    }
                }
            }

            Interlocked.Add(ref s_bytes, -bytes);
            Drop((Interlocked.Increment(ref s_nextVictim) & int.MaxValue) % Slots);
        }
    }

    /// <summary>Lets go of every kept array.</summary>
    internal static void Trim()
    {
        for (var i = 0; i < Slots; i++)
        {
            Drop(i);
        }
    }

    private static void Drop(int slot)
    {
        if (Interlocked.Exchange(ref s_slots[slot], null) is { } kept)
        {
            Interlocked.Add(ref s_bytes, -kept.Bytes);
        }
    }

    /// <summary>The runtime's own signal: the memory load of the last collection reached its high-load threshold.</summary>
    private static bool MemoryIsShort()
    {
        var info = GC.GetGCMemoryInfo();
        return info.MemoryLoadBytes >= info.HighMemoryLoadThresholdBytes;
    }

    private sealed record Kept(Array Array, long Bytes);

    /// <summary>Finalized once per full collection (it lives in the oldest generation and re-registers itself).</summary>
    private sealed class FullCollectionWatch
    {
        ~FullCollectionWatch()
        {
            if (Environment.HasShutdownStarted)
            {
                return;
            }

            if (Interlocked.Exchange(ref s_hitsSinceFullCollection, 0) == 0 || MemoryIsShort())
            {
                Trim();
            }

            GC.ReRegisterForFinalize(this);
        }
    }
}
