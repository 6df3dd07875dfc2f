namespace AttentionService.Engine.Kernels;

/// <summary>
/// The process-wide budget of compute threads: at most <see cref="Environment.ProcessorCount"/> threads run kernels at
/// once, whatever the number of concurrent computations. A computation's own thread waits for a slot; helpers are
/// taken only if free right now, so a lone large request uses every core and concurrent ones share them without
/// oversubscribing.
/// </summary>
internal static class WorkerBudget
{
    private static readonly SemaphoreSlim Slots = new(Environment.ProcessorCount, Environment.ProcessorCount);

    /// <summary>Waits for the caller's own slot.</summary>
    public static void Enter(CancellationToken ct) => Slots.Wait(ct);

    /// <summary>Takes up to <paramref name="wanted"/> more slots without waiting; returns how many it got.</summary>
    public static int TryTake(int wanted)
    {
        var taken = 0;
        while (taken < wanted && Slots.Wait(0))
        {
            taken++;
        }

        return taken;
    }

    public static void Release(int count)
    {
        if (count > 0)
        {
            Slots.Release(count);
        }
    }
}
