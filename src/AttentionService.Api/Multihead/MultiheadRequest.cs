using AttentionService.Api.Compute;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.Multihead;

/// <summary>Multi-head attention with projections, as <c>torch.nn.MultiheadAttention(batch_first=True)</c> in evaluation mode.</summary>
public sealed class MultiheadRequest : IVariantFields, IDisposable
{
    /// <summary>Queries, <c>[B][n][e]</c> or unbatched <c>[n][e]</c>; <c>e</c> is the embedding size.</summary>
    public required NumberTensor Query { get; set; }

    /// <summary>Keys, <c>[B][m][kdim]</c> or <c>[m][kdim]</c>.</summary>
    public required NumberTensor Key { get; set; }

    /// <summary>Values, <c>[B][m][vdim]</c> or <c>[m][vdim]</c>.</summary>
    public required NumberTensor Value { get; set; }

    /// <summary>Number of heads, &gt;= 1, dividing <c>e</c>; each head has <c>e / numHeads</c> dimensions and scale <c>1/sqrt(e / numHeads)</c>.</summary>
    public required int NumHeads { get; set; }

    /// <summary>Query projection, <c>[e][e]</c> (PyTorch's <c>q_proj_weight</c>, or the first third of <c>in_proj_weight</c>).</summary>
    public required NumberTensor QProjWeight { get; set; }

    /// <summary>Key projection, <c>[e][kdim]</c>.</summary>
    public required NumberTensor KProjWeight { get; set; }

    /// <summary>Value projection, <c>[e][vdim]</c>.</summary>
    public required NumberTensor VProjWeight { get; set; }

    /// <summary>Output projection, <c>[e][e]</c> (<c>out_proj.weight</c>).</summary>
    public required NumberTensor OutProjWeight { get; set; }

    /// <summary>Query projection bias, <c>[e]</c>. Default zeros.</summary>
    public NumberTensor? QProjBias { get; set; }

    /// <summary>Key projection bias, <c>[e]</c>. Default zeros.</summary>
    public NumberTensor? KProjBias { get; set; }

    /// <summary>Value projection bias, <c>[e]</c>. Default zeros.</summary>
    public NumberTensor? VProjBias { get; set; }

    /// <summary>Output projection bias, <c>[e]</c>. Default zeros.</summary>
    public NumberTensor? OutProjBias { get; set; }

    /// <summary>When true, query <c>i</c> attends key <c>j</c> only when <c>j &lt;= i</c>. Default false.</summary>
    public bool Causal { get; set; }

    /// <summary>Booleans <c>[n][m]</c>, <c>true</c> = may attend (the inverse of PyTorch's boolean <c>attn_mask</c>).</summary>
    public BoolTensor? Mask { get; set; }

    /// <summary>Numbers <c>[n][m]</c> added to every head's scaled scores (PyTorch's float <c>attn_mask</c>).</summary>
    public NumberTensor? Bias { get; set; }

    /// <summary><c>[B]</c> integers in <c>0..m</c>: item <c>b</c> attends only keys <c>j &lt; keyLengths[b]</c> (the complement of <c>key_padding_mask</c>). Default: every key.</summary>
    public int[]? KeyLengths { get; set; }

    /// <summary><c>true</c> (default): weights <c>[B][n][m]</c> averaged over heads; <c>false</c>: <c>[B][numHeads][n][m]</c>.</summary>
    public bool AverageWeights { get; set; } = true;

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
        foreach (var tensor in new WireTensor?[] { Query, Key, Value, QProjWeight, KProjWeight, VProjWeight, OutProjWeight, QProjBias, KProjBias, VProjBias, OutProjBias, Bias })
        {
            tensor?.Dispose();
        }

        Mask?.Dispose();
    }
}
