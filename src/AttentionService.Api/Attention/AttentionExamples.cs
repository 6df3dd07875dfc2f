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
    ]);
}
