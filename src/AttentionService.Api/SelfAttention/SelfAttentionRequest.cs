using AttentionService.Api.Compute;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.SelfAttention;

/// <summary>Self-attention over one matrix: <c>Q = K = V = input</c>.</summary>
public sealed class SelfAttentionRequest : IVariantFields, IDisposable
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

    /// <summary>How <c>causal</c> and <c>window</c> line queries up with keys when n ≠ m: <c>top_left</c> (default; query i sits at key position i, PyTorch's <c>is_causal</c>) or <c>bottom_right</c> (query i sits at key position i + m − n: the last query meets the last key, as in a KV-cache decode step).</summary>
    public Alignment Alignment { get; set; } = Alignment.TopLeft;

    /// <summary>Sliding window <c>[left, right]</c>: query i (at position p) may attend key j only when p − left ≤ j ≤ p + right; −1 for an unbounded side. <c>causal</c> is <c>[-1, 0]</c>; both may be given. Work scales with the window: tiles outside it are skipped.</summary>
    public int[]? Window { get; set; }

    /// <summary>c &gt; 0: each scaled score s becomes c·tanh(s / c), before bias, ALiBi and masks (Gemma 2).</summary>
    public double? Softcap { get; set; }

    /// <summary>Adds −slope_h·|p − j| to head h's scores, with the ALiBi paper's slopes (get_slopes, including its rule for head counts that are not powers of two), computed in the kernel. Rank-2 and rank-3 requests have one head. Default false.</summary>
    public bool Alibi { get; set; }

    /// <summary>Adds <c>logSumExp</c> <c>[..., n]</c>: ln Σ_j exp(s_ij) over each row's final scores, <c>"-Infinity"</c> for a row that may attend no key. With it, answers over disjoint key shards merge exactly (<c>POST /v1/attention/merge</c>). Default false.</summary>
    public bool ReturnLogSumExp { get; set; }

    /// <summary>k ≥ 1: instead of <c>weights</c>, <c>weightsTopK</c> with each row's k largest weights and their key indices, largest first (ties by lower key index); the engine keeps O(n·k) memory. k &gt; m is refused.</summary>
    public int? WeightsTopK { get; set; }

    /// <summary>Adds <c>diagnostics</c>: the kernel path, the rows that may attend no key, the largest |score| attended and each row's entropy in nats. Default false.</summary>
    public bool Diagnostics { get; set; }

    /// <summary>Returns every tensor buffer to the pool.</summary>
    public void Dispose()
    {
        Input?.Dispose();
        Mask?.Dispose();
        Bias?.Dispose();
    }
}
