using Microsoft.ML.OnnxRuntime;

namespace AttentionService.Benchmarks;

/// <summary>
/// ONNX Runtime (MLAS kernels) as the in-process peer: one of its two attention operators on the same float32 inputs
/// as the engine, inputs and output bound once as tensors over managed arrays so a run times the operator alone.
/// </summary>
internal sealed class OrtPeer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;

    private OrtPeer(string model, int threads, OrtValue[] inputs, OrtValue output)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // ORT's pool threads spin-wait after a Run by default; with samples interleaved, that spin took a core from the
        // candidate timed next (the engine at two threads: 5.5 ms at 2048 after ORT, 3.7 ms alone). This stops the spin
        // once the Run returns; it spins as usual within a Run.
        options.AddSessionConfigEntry("session.force_spinning_stop", "1");
        _session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "Onnx", model), options);
        _inputs = inputs;
        _outputs = [output];
    }

    /// <summary>The operator's name, as ONNX spells it.</summary>
    public required string Operator { get; init; }

    /// <summary>The output, in the operator's layout.</summary>
    public required float[] Output { get; init; }

    /// <summary>
    /// The standard <c>Attention</c> operator (opset 23): Q, K, V as <c>[B, H, S, D]</c>, the engine's own layout, so
    /// the engine's arrays are bound directly.
    /// </summary>
    public static OrtPeer Attention(Inputs x, bool causal, int threads)
    {
        var y = new float[x.Q.Length];
        long[] q = [x.B, x.H, x.N, x.D], kv = [x.B, x.H, x.M, x.D];
        return new OrtPeer(
            causal ? "attention23_causal.onnx" : "attention23.onnx",
            threads,
            [Tensor(x.Q, q), Tensor(x.K, kv), Tensor(x.V, kv)],
            Tensor(y, q))
        { Operator = "Attention", Output = y };
    }

    /// <summary>
    /// The <c>com.microsoft</c> <c>MultiHeadAttention</c> contrib operator: Q, K, V as <c>[B, S, H·D]</c>, so the same
    /// numbers are transposed into that layout once. Null where no model exists for the head count (1, 8, 32) or the
    /// problem is causal (the operator has no causal switch).
    /// </summary>
    public static OrtPeer? MultiHead(Inputs x, bool causal, int threads)
    {
        if (causal || x.H is not (1 or 8 or 32))
        {
            return null;
        }

        var y = new float[x.Q.Length];
        long[] q = [x.B, x.N, x.H * x.D], kv = [x.B, x.M, x.H * x.D];
        return new OrtPeer(
            $"mha{x.H}.onnx",
            threads,
            [Tensor(x.HeadsLast(x.Q, x.N), q), Tensor(x.HeadsLast(x.K, x.M), kv), Tensor(x.HeadsLast(x.V, x.M), kv)],
            Tensor(y, q))
        { Operator = "MultiHeadAttention", Output = y };
    }

    public void Run() => _session.Run(_runOptions, _session.InputNames, _inputs, _session.OutputNames, _outputs);

    public void Dispose()
    {
        foreach (var value in _inputs.Concat(_outputs))
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }

    private static OrtValue Tensor(float[] data, long[] shape) => OrtValue.CreateTensorValueFromMemory(data, shape);
}
