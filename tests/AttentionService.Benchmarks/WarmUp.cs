using System.Diagnostics;
using AttentionService.Engine;

namespace AttentionService.Benchmarks;

/// <summary>Runs small problems for a while so the tiered JIT has compiled the kernels' optimized code.</summary>
internal static class WarmUp
{
    public static void Engine(int threads, bool float64, bool weights)
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = threads });
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 1500)
        {
            foreach (var (n, causal) in new[] { (64, false), (200, true), (1, false) })
            {
                if (float64)
                {
                    var x = TensorData.Wrap(new double[200 * 64], 1, 1, 200, 64);
                    var q = TensorData.Wrap(new double[n * 64], 1, 1, n, 64);
                    engine.Compute(new AttentionProblem<double> { Query = q, Key = x, Value = x, Causal = causal, ReturnWeights = weights }).Dispose();
                }
                else
                {
                    var x = TensorData.Wrap(new float[200 * 64], 1, 1, 200, 64);
                    var q = TensorData.Wrap(new float[n * 64], 1, 1, n, 64);
                    engine.Compute(new AttentionProblem<float> { Query = q, Key = x, Value = x, Causal = causal, ReturnWeights = weights }).Dispose();
                }
            }
        }
    }
}
