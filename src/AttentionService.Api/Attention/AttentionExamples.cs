using AttentionService.Api.OpenApi;

namespace AttentionService.Api.Attention;

/// <summary>The request examples of <c>POST /v1/attention</c>; the article's corrected worked example first.</summary>
internal static class AttentionExamples
{
    public static readonly RequestExamples All = new(
    [
        new("seed-example-scaled-dot", "The second article's worked example, corrected: one 3-dim query, two keys; weights [0.030351, 0.969649]",
            """{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}"""),
        new("causal-with-mask", "Causal attention with a mask (true = may attend)",
            """{"query":[[1,0],[0,1],[1,1]],"key":[[1,0],[0,1],[1,1]],"value":[[1,2],[3,4],[5,6]],"causal":true,"mask":[[true,true,true],[true,false,true],[true,true,true]]}"""),
        new("general", "Multiplicative (Luong) scoring qᵀ W k",
            """{"query":[[1,2]],"key":[[1,0],[0,1]],"value":[[1],[2]],"scoring":"general","parameters":{"w":[[0.5,0],[0,0.5]]}}"""),
        new("additive", "Additive (Bahdanau) scoring, query and key of different sizes",
            """{"query":[[1,2]],"key":[[1,0,1],[0,1,1]],"value":[[1],[2]],"scoring":"additive","parameters":{"wq":[[1,0],[0,1]],"wk":[[1,0,0],[0,1,0]],"v":[1,-1]}}"""),
        new("grouped-query-float64", "Batch of one, two query heads sharing one key/value head, in float64",
            """{"query":[[[[1,0]],[[0,1]]]],"key":[[[[1,0],[0,1]]]],"value":[[[[1,2],[3,4]]]],"precision":"float64"}"""),
        new("additive-with-bias", "Additive scoring vᵀ tanh(Wq q + Wk k + b) with the bias b of two nn.Linear layers",
            """{"query":[[1,2]],"key":[[1,0,1],[0,1,1]],"value":[[1],[2]],"scoring":"additive","parameters":{"wq":[[1,0],[0,1]],"wk":[[1,0,0],[0,1,0]],"v":[1,-1],"b":[0.5,-0.5]}}"""),
        new("decode-step-bottom-right", "A KV-cache decode step: one new query against 4 cached keys; bottom_right puts it at the last key, so causal lets it see all of them",
            """{"query":[[1,0]],"key":[[1,0],[0,1],[1,1],[0.5,0.5]],"value":[[1],[2],[3],[4]],"causal":true,"alignment":"bottom_right"}"""),
        new("sliding-window", "Sliding-window attention (Mistral, Longformer): each query sees the key at its position and one before it",
            """{"query":[[1,0],[0,1],[1,1],[1,0]],"key":[[1,0],[0,1],[1,1],[1,0]],"value":[[1],[2],[3],[4]],"window":[1,0]}"""),
        new("softcap-and-alibi", "Gemma 2's softcap and ALiBi position biases over two heads (slopes 2^-4 and 2^-8), causal",
            """{"query":[[[[4,0],[0,4],[4,4]],[[1,0],[0,1],[1,1]]]],"key":[[[[1,0],[0,1],[1,1]],[[1,0],[0,1],[1,1]]]],"value":[[[[1],[2],[3]],[[1],[2],[3]]]],"softcap":2,"alibi":true,"causal":true}"""),
        new("log-sum-exp-for-a-shard", "Each row's log-sum-exp, for merging answers over key shards (POST /v1/attention/merge); a row with no key has \"-Infinity\"",
            """{"query":[[1,0],[0,1]],"key":[[1,0],[0,1]],"value":[[1],[2]],"mask":[[true,true],[false,false]],"returnLogSumExp":true,"returnWeights":false}"""),
        new("top-k-weights", "The 2 largest weights of each row instead of the n x m weights",
            """{"query":[[1,0],[0,1]],"key":[[1,0],[0,1],[1,1],[-1,0]],"value":[[1],[2],[3],[4]],"weightsTopK":2}"""),
        new("diagnostics", "Diagnostics: kernel path, fully masked rows, largest |score| and each row's entropy",
            """{"query":[[1,0],[0,1],[5,5]],"key":[[1,0],[0,1]],"value":[[1],[2]],"mask":[[true,true],[false,false],[true,true]],"diagnostics":true}"""),
    ]);
}
