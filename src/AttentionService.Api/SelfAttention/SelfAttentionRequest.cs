using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.SelfAttention;

/// <summary>Self-attention over one matrix: <c>Q = K = V = input</c>.</summary>
public sealed class SelfAttentionRequest : IDisposable
{
    /// <summary>The rows, <c>[n][d]</c>, or nested 3 or 4 deep for batches and heads; used as query, key and value.</summary>
    public required NumberTensor Input { get; set; }

    /// <summary>How two rows are compared. Default <c>pearson</c> (correlation attention); <c>general</c> and <c>additive</c> are not allowed here.</summary>
    public Scoring Scoring { get; set; } = Scoring.Pearson;

    /// <summary>A number &gt; 0 that multiplies every score. Default <c>1/sqrt(d)</c> for scaled_dot, 1 otherwise.</summary>
    public double? Scale { get; set; }

    /// <summary>When true, row <c>i</c> attends row <c>j</c> only when <c>j &lt;= i</c>. Default false.</summary>
    public bool Causal { get; set; }

    /// <summary>Booleans, <c>[n][n]</c> or <c>[..., n, n]</c>: <c>true</c> = may attend.</summary>
    public BoolTensor? Mask { get; set; }

    /// <summary>Numbers added to the scaled scores, same shapes as <c>mask</c>.</summary>
    public NumberTensor? Bias { get; set; }

    /// <summary>Whether the answer carries the weights. Default true.</summary>
    public bool ReturnWeights { get; set; } = true;

    /// <summary>Arithmetic precision: <c>float32</c> (default) or <c>float64</c>.</summary>
    public Precision Precision { get; set; } = Precision.Float32;

    /// <summary>The form of <c>output</c> and <c>weights</c> in the answer: <c>nested</c> arrays (default) or <c>base64</c> tensor objects of the precision's dtype.</summary>
    public TensorEncoding Encoding { get; set; } = TensorEncoding.Nested;

    /// <summary>Returns every tensor buffer to the pool.</summary>
    public void Dispose()
    {
        Input?.Dispose();
        Mask?.Dispose();
        Bias?.Dispose();
    }
}
