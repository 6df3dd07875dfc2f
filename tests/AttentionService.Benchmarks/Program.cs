using System.Globalization;
using System.Numerics;
using System.Text.Json;
using AttentionService.Benchmarks;
using AttentionService.Engine;

// Usage: dotnet run -c Release --project tests/AttentionService.Benchmarks -- [--quick] [--shape B,H,n,m,d ...]
//        (or --window [--threads N] [--samples S]: the sliding-window figure)
//        [--threads N] [--weights] [--causal] [--precision float64] [--no-peer]
// Prints the machine's measured FMA peak (one core) and memory read bandwidth (at --threads), then one JSON line per
// shape and implementation, with the same fields as peer/numpy_attention.py. The engine and ONNX Runtime's two attention
// operators (float32, no weights) run on the same inputs, their samples interleaved so that the machine's noise falls
// on all alike. With --weights the engine runs twice, with and without weights, interleaved likewise. FLOPs = 4·B·H·n·m·d, halved when causal; bytes = what must be read and written once (Q, K, V, output).
//        dotnet run -c Release --project tests/AttentionService.Benchmarks -- --wire [--quick]   (the tensor wire, in-process)
var quick = args.Contains("--quick");
if (args.Contains("--wire"))
{
    WireBenchmark.Run(quick);
    return;
}

if (args.Contains("--window"))
{
    WindowBenchmark.Run(args); // sliding window [255, 0] against full attention at 16384²
    return;
}

var weights = args.Contains("--weights");
var causal = args.Contains("--causal");
var float64 = Value("--precision") == "float64";
var threads = int.Parse(Value("--threads") ?? "1", CultureInfo.InvariantCulture);
var given = args.Select((a, i) => (a, i)).Where(x => x.a == "--shape").Select(x => Parse(args[x.i + 1])).ToList();
var peers = !weights && !float64 && !args.Contains("--no-peer");

(int B, int H, int N, int M, int D)[] all =
[
    (1, 1, 64, 64, 64), (1, 8, 512, 512, 64), (1, 1, 1024, 1024, 64), (1, 1, 2048, 2048, 64), (1, 1, 4096, 4096, 64),
    (1, 8, 77, 4096, 64), (1, 1, 1000, 999, 80), (1, 32, 512, 512, 128), (1, 32, 1, 4096, 128), (8, 32, 1, 2048, 128),
];
(int B, int H, int N, int M, int D)[] quickShapes = [(1, 1, 64, 64, 64), (1, 8, 512, 512, 64), (1, 1, 2048, 2048, 64)];
var shapes = given.Count > 0 ? given : [.. quick ? quickShapes : all];
var precision = float64 ? "float64" : "float32";

// Let the tiered JIT reach its optimized code for the kernels before anything is timed.
WarmUp.Engine(threads, float64, weights);
var (peak, cpuPeak) = Peak.MeasureGflops(float64);
Console.WriteLine(JsonSerializer.Serialize(new { impl = "peak", precision, threads = 1, gflops = Math.Round(peak, 2), cpuGflops = Math.Round(cpuPeak, 2) }));
var bandwidth = Bandwidth.MeasureGBps(threads);
Console.WriteLine(JsonSerializer.Serialize(new { impl = "bandwidth", threads, gbps = Math.Round(bandwidth, 2) }));
foreach (var s in shapes)
{
    var x = new Inputs(s.B, s.H, s.N, s.M, s.D);
    var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = threads });
    using var candidates = float64 ? EngineCandidate<double>(engine, x) : EngineCandidate<float>(engine, x);
    var flops = 4.0 * s.B * s.H * s.N * s.M * s.D * (causal ? 0.5 : 1.0);
    var bytes = 4.0 * (x.Q.Length + x.K.Length + x.V.Length + x.Q.Length) * (float64 ? 2 : 1);
    foreach (var (candidate, timing) in candidates.Measure(quick ? 5 : 9))
    {
        var gflops = flops / (timing.MedianMs / 1e3) / 1e9;
        var gbps = bytes / (timing.MedianMs / 1e3) / 1e9;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            impl = candidate.Impl,
            op = candidate.Operator,
            shape = new[] { s.B, s.H, s.N, s.M, s.D },
            precision,
            weights = candidate.Operator == "weights",
            causal,
            threads,
            medianMs = Significant(timing.MedianMs),
            cpuMs = Significant(timing.MedianCpuMs),
            gflops = Math.Round(gflops, 2),
            peakFraction = Math.Round(gflops / (peak * threads), 3),
            cpuPeakFraction = Math.Round(flops / (timing.MedianCpuMs / 1e3) / 1e9 / cpuPeak, 3),
            gbps = Math.Round(gbps, 2),
            bandwidthFraction = Math.Round(gbps / bandwidth, 3),
            maxAbsDifference = candidate.Difference?.Invoke(),
            allocatedBytes = timing.AllocatedBytes,
            kernel = candidate.Impl == "engine" ? engine.KernelPath.ToString() : null,
        }));
    }
}

Candidates EngineCandidate<T>(AttentionEngine engine, Inputs x) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    TensorData<T> Tensor(float[] data, int rows) => TensorData.Wrap(Array.ConvertAll(data, T.CreateTruncating), x.B, x.H, rows, x.D);
    AttentionProblem<T> Problem(bool returnWeights) =>
        new() { Query = Tensor(x.Q, x.N), Key = Tensor(x.K, x.M), Value = Tensor(x.V, x.M), Causal = causal, ReturnWeights = returnWeights };
    var problem = Problem(false);
    var list = new Candidates { new("engine", null, () => engine.Compute(problem).Dispose()) };
    if (weights)
    {
        var withWeights = Problem(true);
        list.Add(new("engine", "weights", () => engine.Compute(withWeights).Dispose()));
    }

    if (peers && typeof(T) == typeof(float))
    {
        using var reference = engine.Compute(problem);
        var expected = reference.Output.Span.ToArray().Select(float.CreateTruncating).ToArray();
        var ort = OrtPeer.Attention(x, causal, threads);
        list.Add(new("ort", ort.Operator, ort.Run, ort) { Difference = () => MaxDifference(ort.Output, expected) });
        if (OrtPeer.MultiHead(x, causal, threads) is { } mha)
        {
            var expectedHeadsLast = x.HeadsLast(expected, x.N);
            list.Add(new("ort", mha.Operator, mha.Run, mha) { Difference = () => MaxDifference(mha.Output, expectedHeadsLast) });
        }
    }

    return list;
}

// Four significant digits (at least three decimals): 64² takes about 0.01 ms, where three decimals left the ratios to ORT
// only a tenth apart.
static double Significant(double ms) => ms <= 0 ? ms : Math.Round(ms, Math.Clamp(3 - (int)Math.Floor(Math.Log10(ms)), 3, 10));

static double MaxDifference(float[] a, float[] b) => Math.Round(a.Zip(b, (p, q) => Math.Abs(p - q)).Max(), 7);

string? Value(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static (int B, int H, int N, int M, int D) Parse(string text)
{
    var p = text.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
    return (p[0], p[1], p[2], p[3], p[4]);
}
