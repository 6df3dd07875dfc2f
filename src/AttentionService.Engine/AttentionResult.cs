using System.Numerics;

namespace AttentionService.Engine;

/// <summary>The answer to an attention problem. Its tensors are pooled: dispose it when written out.</summary>
/// <typeparam name="T">The precision of the computation.</typeparam>
public sealed class AttentionResult<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    internal AttentionResult(TensorData<T> output, TensorData<T>? weights, Scoring scoring, double scale)
    {
        Output = output;
        Weights = weights;
        Scoring = scoring;
        Scale = scale;
    }

    /// <summary><c>[..., n, dv]</c>: each query's weighted sum of values.</summary>
    public TensorData<T> Output { get; }

    /// <summary><c>[..., n, m]</c>: the softmax weights, or <c>null</c> when not requested.</summary>
    public TensorData<T>? Weights { get; }

    /// <summary>The scoring function used.</summary>
    public Scoring Scoring { get; }

    /// <summary>The scale applied to the scores (the default when the problem gave none).</summary>
    public double Scale { get; }

    /// <summary>Returns the output and weights buffers to the pool.</summary>
    public void Dispose()
    {
        Output.Dispose();
        Weights?.Dispose();
    }
}
