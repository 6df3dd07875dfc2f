using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionService.Benchmarks;

/// <summary>
/// The machine's memory read bandwidth: a streaming sum over a buffer far larger than the last-level cache, on as many
/// threads as the benchmark runs, best of several passes. Decode reads K and V once, so this is its ceiling.
/// </summary>
internal static class Bandwidth
{
    private const int Bytes = 1 << 30;

    public static double MeasureGBps(int threads)
    {
        var buffer = GC.AllocateUninitializedArray<float>(Bytes / sizeof(float));
        Array.Fill(buffer, 1f); // touch every page before timing
        var best = 0.0;
        var chunk = buffer.Length / threads;
        for (var pass = 0; pass < 5; pass++)
        {
            var sw = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => GC.KeepAlive(Sum(buffer.AsSpan(t * chunk, chunk))));
            best = Math.Max(best, Bytes / sw.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Sum(ReadOnlySpan<float> x)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        ref var r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        var w = Vector512<float>.Count;
        for (nuint i = 0; i + (nuint)(4 * w) <= (nuint)x.Length; i += (nuint)(4 * w))
        {
            a0 += Vector512.LoadUnsafe(ref r, i);
            a1 += Vector512.LoadUnsafe(ref r, i + (nuint)w);
            a2 += Vector512.LoadUnsafe(ref r, i + (nuint)(2 * w));
            a3 += Vector512.LoadUnsafe(ref r, i + (nuint)(3 * w));
        }

        return Vector512.Sum(a0 + a1 + a2 + a3);
    }
}
