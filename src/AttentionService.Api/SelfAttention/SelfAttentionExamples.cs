using AttentionService.Api.OpenApi;

namespace AttentionService.Api.SelfAttention;

/// <summary>The request examples of <c>POST /v1/attention/self</c>; the article's corrected worked example first.</summary>
internal static class SelfAttentionExamples
{
    public static readonly RequestExamples All = new(
    [
        new("seed-example-pearson", "The first article's worked example, corrected: every row correlates perfectly, so every weight is 1/3 and Y = [[4,5,6],[4,5,6],[4,5,6]]",
            """{"input":[[1,2,3],[4,5,6],[7,8,9]]}"""),
        new("scaled-dot-causal", "Causal scaled dot-product self-attention",
            """{"input":[[1,0],[0,1],[1,1]],"scoring":"scaled_dot","causal":true}"""),
        new("window-with-diagnostics", "Sliding-window self-attention (each row sees itself and its neighbours) with log-sum-exp, top-2 weights and diagnostics",
            """{"input":[[1,0],[0,1],[1,1],[2,0]],"scoring":"scaled_dot","window":[1,1],"returnLogSumExp":true,"weightsTopK":2,"diagnostics":true}"""),
    ]);
}
