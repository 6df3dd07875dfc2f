using System.Runtime.ExceptionServices;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Runs items <c>[0, count)</c> on the calling thread and on up to a given number of thread-pool helpers, with one
/// local state (a scratch) per worker made when it takes its first item. The items are split into one contiguous range
/// per worker (consecutive items share a head, whose packed keys a worker then packs once); a worker takes its own
/// range's items from the front, one at a time, and when it runs out takes the others' from their back. Written here
/// rather than with <c>Parallel.For</c> because of how the work ends, measured at 1,8,512,512,64 on two threads (64
/// items of about 60 µs): Parallel.For hands each worker growing chunks of its range, so a helper that starts late (its
/// thread woken from sleep, 80 to 400 µs on this machine) still owns items the caller, idle, cannot take, and the caller
/// then blocks on an event whose wake-up took another 100 to 130 µs after the last item ended: together a tenth of the
/// call. Here the caller takes whatever a late helper has not, a helper that has not started when the caller runs out
/// of items is abandoned (it returns at once when it does start), and the caller waits for a running helper's last item
/// by spinning (yielding, never sleeping), which lasts at most that item.
/// </summary>
internal sealed class SharedLoop<TLocal> where TLocal : IDisposable
{
    private const int Queued = 0, Running = 1, Done = 2;

    private readonly Func<TLocal> _init;
    private readonly Action<int, TLocal> _body;
    private readonly int[] _helpers;

    /// <summary>Each worker's remaining items <c>[lo, hi)</c>, as lo | hi &lt;&lt; 32, changed by compare-and-swap only.</summary>
    private readonly long[] _ranges;
    private ExceptionDispatchInfo? _error;

    private SharedLoop(int count, int helpers, Func<TLocal> init, Action<int, TLocal> body)
    {
        (_helpers, _init, _body) = (new int[helpers], init, body);
        _ranges = new long[helpers + 1];
        for (var w = 0; w <= helpers; w++)
        {
            _ranges[w] = Range((int)((long)count * w / (helpers + 1)), (int)((long)count * (w + 1) / (helpers + 1)));
        }
    }

    /// <summary>Runs <paramref name="body"/> for every item; the first exception any worker threw is rethrown here once all have stopped.</summary>
    public static void Run(int count, int helpers, Func<TLocal> init, Action<int, TLocal> body)
    {
        var loop = new SharedLoop<TLocal>(count, helpers, init, body);
        for (var h = 0; h < helpers; h++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Loop.Help(state.Helper), (Loop: loop, Helper: h), preferLocal: false);
        }

        loop.Work(0);
        loop.Join();
        loop._error?.Throw();
    }

    private static long Range(int lo, int hi) => (uint)lo | ((long)hi << 32);

    private void Help(int helper)
    {
        if (Interlocked.CompareExchange(ref _helpers[helper], Running, Queued) != Queued)
        {
            return; // the caller finished without this helper
        }

        try
        {
            Work(helper + 1);
        }
        finally
        {
            Volatile.Write(ref _helpers[helper], Done);
        }
    }

    private void Work(int own)
    {
        try
        {
            var item = Next(own);
            if (item < 0)
            {
                return;
            }

            using var local = _init();
            do
            {
                _body(item, local);
            }
            while ((item = Next(own)) >= 0);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
            for (var w = 0; w < _ranges.Length; w++)
            {
                Interlocked.Exchange(ref _ranges[w], 0); // the others stop at their next item
            }
        }
    }

    /// <summary>The next item of the worker's own range, else the last of another's; -1 when none is left.</summary>
    private int Next(int own)
    {
        if (Take(own, fromFront: true) is var item and >= 0)
        {
            return item;
        }

        for (var w = 0; w < _ranges.Length; w++)
        {
            if (w != own && Take(w, fromFront: false) is var stolen and >= 0)
            {
                return stolen;
            }
        }

        return -1;
    }

    private int Take(int w, bool fromFront)
    {
        while (true)
        {
            var range = Volatile.Read(ref _ranges[w]);
            int lo = (int)(uint)range, hi = (int)(range >> 32);
            if (lo >= hi)
            {
                return -1;
            }

            var taken = fromFront ? Range(lo + 1, hi) : Range(lo, hi - 1);
            if (Interlocked.CompareExchange(ref _ranges[w], taken, range) == range)
            {
                return fromFront ? lo : hi - 1;
            }
        }
    }

    /// <summary>Abandons helpers that have not started; waits for the running ones to finish their last item.</summary>
    private void Join()
    {
        for (var h = 0; h < _helpers.Length; h++)
        {
            if (Interlocked.CompareExchange(ref _helpers[h], Done, Queued) == Queued)
            {
                continue;
            }

            var spin = default(SpinWait);
            while (Volatile.Read(ref _helpers[h]) != Done)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }
}
