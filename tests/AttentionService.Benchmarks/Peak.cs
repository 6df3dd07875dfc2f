using System.Diagnostics;
using System.Numerics;
using AttentionService.Engine.Kernels;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionService.Benchmarks;

/// <summary>Measures one core's fused multiply-add peak with 12 independent Vector512 FMA chains (enough to cover latency x throughput).</summary>
internal static class Peak
{
    /// <summary>GFLOP/s by wall time and by the processor time the loop actually got, best of five each.</summary>
    public static (double Wall, double Cpu) MeasureGflops(bool float64) => float64 ? Measure<double>() : Measure<float>();

    private static (double Wall, double Cpu) Measure<T>() where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double best = 0.0, bestCpu = 0.0;
        using var process = Process.GetCurrentProcess();
        for (var run = 0; run < 5; run++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            const long iterations = 20_000_000;
            var sink = Loop<T>(iterations);
            var seconds = sw.Elapsed.TotalSeconds;
            process.Refresh();
            var cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            GC.KeepAlive(sink);
            var flops = 12.0 * iterations * Vector512<T>.Count * 2;
            best = Math.Max(best, flops / seconds / 1e9);
            bestCpu = Math.Max(bestCpu, flops / cpuSeconds / 1e9);
        }

        return (best, bestCpu);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static T Loop<T>(long iterations) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var a = Vector512.Create(T.CreateTruncating(0.999));
        var b = Vector512.Create(T.CreateTruncating(0.001));
        Vector512<T> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Simd512<T>.MultiplyAdd(c0, a, b); c1 = Simd512<T>.MultiplyAdd(c1, a, b);
            c2 = Simd512<T>.MultiplyAdd(c2, a, b); c3 = Simd512<T>.MultiplyAdd(c3, a, b);
            c4 = Simd512<T>.MultiplyAdd(c4, a, b); c5 = Simd512<T>.MultiplyAdd(c5, a, b);
            c6 = Simd512<T>.MultiplyAdd(c6, a, b); c7 = Simd512<T>.MultiplyAdd(c7, a, b);
            c8 = Simd512<T>.MultiplyAdd(c8, a, b); c9 = Simd512<T>.MultiplyAdd(c9, a, b);
            c10 = Simd512<T>.MultiplyAdd(c10, a, b); c11 = Simd512<T>.MultiplyAdd(c11, a, b);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
