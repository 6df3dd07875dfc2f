using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using AttentionService.Benchmarks;
using AttentionService.Engine;

// Usage: dotnet run -c Release --project tests/AttentionService.Benchmarks -- [--quick] [--shape B,H,n,m,d ...]
//        [--threads N] [--weights] [--causal] [--precision float64]
//        dotnet run -c Release --project tests/AttentionService.Benchmarks -- --wire [--quick]   (the tensor wire, in-process)
// Prints one JSON line per shape, with the same fields as shared/bench/numpy_attention.py, after a line with the
// machine's measured FMA peak. FLOPs = 4·B·H·n·m·d, halved when causal.
var quick = args.Contains("--quick");
if (args.Contains("--wire"))
{
    WireBenchmark.Run(quick);
    return;
}

var weights = args.Contains("--weights");
var causal = args.Contains("--causal");
var float64 = Value("--precision") == "float64";
var threads = int.Parse(Value("--threads") ?? "1", CultureInfo.InvariantCulture);
var given = args.Select((a, i) => (a, i)).Where(x => x.a == "--shape").Select(x => Parse(args[x.i + 1])).ToList();

(int B, int H, int N, int M, int D)[] all = [(1, 1, 64, 64, 64), (1, 8, 512, 512, 64), (1, 1, 1024, 1024, 64), (1, 1, 2048, 2048, 64), (1, 1, 4096, 4096, 64), (1, 8, 77, 4096, 64), (1, 1, 1000, 999, 80)];
(int B, int H, int N, int M, int D)[] quickShapes = [(1, 1, 64, 64, 64), (1, 8, 512, 512, 64), (1, 1, 2048, 2048, 64)];
var shapes = given.Count > 0 ? given : [.. quick ? quickShapes : all];

// Let the tiered JIT reach its optimized code for the kernels before anything is timed.
WarmUp();
var peak = Peak.MeasureGflops(float64);
Console.WriteLine(JsonSerializer.Serialize(new { impl = "peak", precision = float64 ? "float64" : "float32", threads = 1, gflops = Math.Round(peak, 2) }));
foreach (var shape in shapes)
{
    var line = float64 ? Bench<double>(shape, peak) : Bench<float>(shape, peak);
    Console.WriteLine(line);
}

string Bench<T>((int B, int H, int N, int M, int D) s, double corePeak) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = threads });
    var rng = new Random(0);
    TensorData<T> Random(int rows) => TensorData.Wrap(Enumerable.Range(0, s.B * s.H * rows * s.D).Select(_ => T.CreateTruncating((rng.NextDouble() * 2) - 1)).ToArray(), s.B, s.H, rows, s.D);
    var problem = new AttentionProblem<T> { Query = Random(s.N), Key = Random(s.M), Value = Random(s.M), Causal = causal, ReturnWeights = weights };
    var flops = 4.0 * s.B * s.H * s.N * s.M * s.D * (causal ? 0.5 : 1.0);

    using var process = Process.GetCurrentProcess();
    process.Refresh();
    var workingSetBefore = process.WorkingSet64;

    // Warm-up (tiered JIT, pools), then repeat each sample until it lasts 20 ms so small shapes are timed fairly.
    engine.Compute(problem).Dispose();
    var warm = Stopwatch.StartNew();
    var inner = 0;
    while (warm.ElapsedMilliseconds < 200 || inner < 2)
    {
        engine.Compute(problem).Dispose();
        inner++;
    }

    var perSample = Math.Max(1, (int)Math.Ceiling(20.0 / Math.Max(warm.Elapsed.TotalMilliseconds / inner, 1e-3)));
    var runs = quick ? 5 : 9;
    var times = new double[runs];
    var allocated = new long[runs];
    for (var r = 0; r < runs; r++)
    {
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < perSample; i++)
        {
            engine.Compute(problem).Dispose();
        }

        times[r] = sw.Elapsed.TotalMilliseconds / perSample;
        allocated[r] = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / perSample;
    }

    Array.Sort(times);
    Array.Sort(allocated);
    var median = times[runs / 2];
    var gflops = flops / (median / 1e3) / 1e9;
    process.Refresh();
    return JsonSerializer.Serialize(new
    {
        impl = "engine",
        shape = new[] { s.B, s.H, s.N, s.M, s.D },
        precision = float64 ? "float64" : "float32",
        weights,
        causal,
        threads,
        medianMs = Math.Round(median, 3),
        gflops = Math.Round(gflops, 2),
        peakFraction = Math.Round(gflops / (corePeak * threads), 3),
        allocatedBytes = allocated[runs / 2],
        peakWorkingSetBytes = process.PeakWorkingSet64,
        workingSetGrowthBytes = process.PeakWorkingSet64 - workingSetBefore,
        kernel = engine.KernelPath.ToString(),
    });
}

void WarmUp()
{
    var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = threads });
    var sw = Stopwatch.StartNew();
    while (sw.ElapsedMilliseconds < 1500)
    {
        foreach (var (n, c) in new[] { (64, false), (200, true) })
        {
            if (float64)
            {
                var x = TensorData.Wrap(new double[n * 64], n, 64);
                engine.Compute(new AttentionProblem<double> { Query = x, Key = x, Value = x, Causal = c, ReturnWeights = weights }).Dispose();
            }
            else
            {
                var x = TensorData.Wrap(new float[n * 64], n, 64);
                engine.Compute(new AttentionProblem<float> { Query = x, Key = x, Value = x, Causal = c, ReturnWeights = weights }).Dispose();
            }
        }
    }
}

string? Value(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static (int, int, int, int, int) Parse(string text)
{
    var p = text.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
    return (p[0], p[1], p[2], p[3], p[4]);
}
