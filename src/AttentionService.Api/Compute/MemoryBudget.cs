using System.Runtime;
using AttentionService.Api.Hosting;
using AttentionService.Engine;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Compute;

/// <summary>
/// The bytes that requests may hold at once: bodies as they arrive, then each problem's buffers before they exist.
/// A charge that does not fit now is refused (503) rather than waited for; one that could never fit is a 413 or 422.
/// After an <see cref="OutOfMemoryException"/> the replica reports itself not ready until a full collection shows the
/// budget's room back.
/// </summary>
internal sealed class MemoryBudget(IOptions<AttentionOptions> options)
{
    private static readonly TimeSpan RecoveryCheckInterval = TimeSpan.FromSeconds(1);
    private readonly Lock _recovery = new();
    private long _charged;
    private long _releasedSinceCollection;
    private long _heapAfterCollection;
    private long _outOfMemoryAt;
    private long _lastRecoveryCheck;

    /// <summary>The budget in bytes: <c>Attention:Limits:MemoryBudgetBytes</c>, or 40 % of what the runtime may use.</summary>
    public long Total { get; } = options.Value.Limits.EffectiveMemoryBudgetBytes;

    /// <summary>The bytes charged now.</summary>
    public long Charged => Interlocked.Read(ref _charged);

    public bool TryCharge(long bytes)
    {
        var current = Interlocked.Read(ref _charged);
        while (true)
        {
            if (current + bytes > Total)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _charged, current + bytes, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }
    }

    /// <summary>
    /// Gives <paramref name="bytes"/> back. Large buffers go to the garbage collector, which would otherwise let them pile
    /// up toward the heap limit before collecting; once an eighth of the budget has been given back and the heap has
    /// grown by as much since the last such collection, a full (non-compacting) collection frees them at once. It is
    /// cheap: the heap is mostly arrays of numbers, with nothing to trace. Small requests give back mostly reservations
    /// (the answer writer's) and pooled buffers, which leave the heap as it was: they never cause a collection.
    /// </summary>
    public void Release(long bytes)
    {
        Interlocked.Add(ref _charged, -bytes);
        if (Interlocked.Add(ref _releasedSinceCollection, bytes) >= Total / 8)
        {
            Interlocked.Exchange(ref _releasedSinceCollection, 0);
            if (GC.GetTotalMemory(forceFullCollection: false) - Interlocked.Read(ref _heapAfterCollection) >= Total / 8)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
                Interlocked.Exchange(ref _heapAfterCollection, GC.GetTotalMemory(forceFullCollection: false));
            }
        }
    }

    /// <summary>Records an allocation that failed: readiness fails from now until the memory is back.</summary>
    public void ReportOutOfMemory()
    {
        BufferPool.TrimLarge(); // the engine's kept result buffers are the first memory that can go
        lock (_recovery)
        {
            _lastRecoveryCheck = Environment.TickCount64; // not ready for at least one check interval
            Interlocked.Exchange(ref _outOfMemoryAt, Environment.TickCount64);
        }
    }

    /// <summary>
    /// Null when memory is fine; otherwise why not. After an out-of-memory, at most once a second, a full compacting
    /// collection measures the heap: memory is back when what is left of the budget fits beside it.
    /// </summary>
    public string? Shortage()
    {
        if (Interlocked.Read(ref _outOfMemoryAt) == 0)
        {
            return null;
        }

        lock (_recovery)
        {
            if (Environment.TickCount64 - _lastRecoveryCheck >= RecoveryCheckInterval.TotalMilliseconds)
            {
                _lastRecoveryCheck = Environment.TickCount64;
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                var info = GC.GetGCMemoryInfo();
                if (info.HeapSizeBytes + (Total - Charged) <= info.TotalAvailableMemoryBytes)
                {
                    Interlocked.Exchange(ref _outOfMemoryAt, 0);
                    return null;
                }
            }
        }

        return $"out of memory {(Environment.TickCount64 - Interlocked.Read(ref _outOfMemoryAt)) / 1000} s ago; waiting for the heap to shrink";
    }
}
