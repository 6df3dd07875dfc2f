using AttentionService.Api.Compute;
using System.Text.Json.Serialization;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.Attention;

/// <summary>Attention of query rows over key and value rows: <c>softmax(scale · score(Q, K) + bias, masked) · V</c>.</summary>
public sealed class AttentionRequest : IVariantFields, IDisposable
{
    /// <summary>Query rows, <c>[n][dq]</c>; nest 3 deep for a batch (<c>[batch][n][dq]</c>) or 4 deep for heads (<c>[batch][heads][n][dq]</c>).</summary>
    public required NumberTensor Query { get; set; }

    /// <summary>Key rows, <c>[..., m, dk]</c>: the same rank and batch as the query; <c>dk == dq</c> except for general and additive scoring. With rank 4 it may have fewer heads than the query if they divide it (grouped-query attention).</summary>
    public required NumberTensor Key { get; set; }

    /// <summary>Value rows, <c>[..., m, dv]</c>: one row per key.</summary>
    public required NumberTensor Value { get; set; }

    /// <summary>How a query row and a key row are compared. Default <c>scaled_dot</c>.</summary>
    public Scoring Scoring { get; set; } = Scoring.ScaledDot;

    /// <summary>A number &gt; 0 that multiplies every score before bias and mask. Default <c>1/sqrt(dq)</c> for scaled_dot, 1 otherwise.</summary>
    public double? Scale { get; set; }

    /// <summary>When true, query <c>i</c> attends key <c>j</c> only when <c>j &lt;= i</c> (top-left aligned, as PyTorch's <c>is_causal</c>). Default false.</summary>
    public bool Causal { get; set; }

    /// <summary>Booleans, <c>[n][m]</c> (shared by every batch item and head) or <c>[..., n, m]</c>: <c>true</c> = may attend. A query row with no allowed key answers zeros.</summary>
    public BoolTensor? Mask { get; set; }

    /// <summary>Numbers added to the scaled scores, same shapes as <c>mask</c> (relative positions, ALiBi, padding as large negatives).</summary>
    public NumberTensor? Bias { get; set; }

    /// <summary>Learned parameters of <c>general</c> (<c>w</c>) and <c>additive</c> (<c>wq</c>, <c>wk</c>, <c>v</c>, optional <c>b</c>) scoring.</summary>
    public ScoringParameters? Parameters { get; set; }

    /// <summary>Whether the answer carries the <c>[..., n, m]</c> weights. <c>false</c> saves memory and time: the engine never holds them. Default true.</summary>
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
        Query?.Dispose();
        Key?.Dispose();
        Value?.Dispose();
        Mask?.Dispose();
        Bias?.Dispose();
        Parameters?.Dispose();
    }
}

/// <summary>Learned parameters of the parameterized scorings.</summary>
public sealed class ScoringParameters : IDisposable
{
    /// <summary><c>general</c>: the <c>[dq][dk]</c> matrix W of <c>qᵀ W k</c>.</summary>
    public NumberTensor? W { get; set; }

    /// <summary><c>additive</c>: the <c>[a][dq]</c> query projection Wq.</summary>
    public NumberTensor? Wq { get; set; }

    /// <summary><c>additive</c>: the <c>[a][dk]</c> key projection Wk.</summary>
    public NumberTensor? Wk { get; set; }

    /// <summary><c>additive</c>: the <c>[a]</c> vector v of <c>vᵀ tanh(Wq q + Wk k + b)</c>.</summary>
    [JsonPropertyName("v")]
    public NumberTensor? V { get; set; }

    /// <summary><c>additive</c>, optional: the <c>[a]</c> bias b inside the tanh, <c>vᵀ tanh(Wq q + Wk k + b)</c>: what two <c>nn.Linear</c> layers with their default biases add up to (the sum of both layers' biases).</summary>
    [JsonPropertyName("b")]
    public NumberTensor? B { get; set; }

    /// <summary>Returns every tensor buffer to the pool.</summary>
    public void Dispose()
    {
        W?.Dispose();
        Wq?.Dispose();
        Wk?.Dispose();
        V?.Dispose();
        B?.Dispose();
    }
}
