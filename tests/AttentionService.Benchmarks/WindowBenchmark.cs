using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AttentionService.Engine;

namespace AttentionService.Benchmarks;

/// <summary>
/// <c>--window [--threads N] [--samples S]</c>: sliding-window attention against full attention at 16384² (d = 64, float32,
/// no weights), samples interleaved, after a warm-up; prints each median and their ratio. Work must scale with the
/// window: the issue asks for ≥ 20× at a window of [255, 0].
/// </summary>
internal static class WindowBenchmark
{
    public static void Run(string[] args)
    {
        var threads = Option(args, "--threads", 1);
        var samples = Option(args, "--samples", 3);
        const int n = 16384, d = 64;
        var x = new Inputs(1, 1, n, n, d);
        TensorData<float> Tensor(float[] data) => TensorData.Wrap(data, n, d);
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = threads });
        AttentionProblem<float> Problem(AttentionWindow? window) => new()
        {
            Query = Tensor(x.Q), Key = Tensor(x.K), Value = Tensor(x.V), ReturnWeights = false,
            Variants = new AttentionVariants { Window = window },
        };

        var full = Problem(null);
        var windowed = Problem(new AttentionWindow(255, 0));
        engine.Compute(windowed).Dispose(); // warm-up: the JIT reaches its optimized kernels
        engine.Compute(full).Dispose();
        List<double> fullMs = [], windowMs = [];
        for (var s = 0; s < samples; s++)
        {
            fullMs.Add(Time(() => engine.Compute(full).Dispose()));
            windowMs.Add(Time(() => engine.Compute(windowed).Dispose()));
        }

        double f = Median(fullMs), w = Median(windowMs);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            impl = "engine",
            shape = new[] { 1, 1, n, n, d },
            window = new[] { 255, 0 },
            threads,
            samples,
            fullMedianMs = Math.Round(f, 1),
            windowMedianMs = Math.Round(w, 1),
            speedup = Math.Round(f / w, 1),
            kernel = engine.KernelPath.ToString(),
        }));
    }

    private static double Time(Action run)
    {
        var started = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
