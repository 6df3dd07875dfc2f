using AttentionService.Api.OpenApi;

namespace AttentionService.Api.Multihead;

/// <summary>The request examples of <c>POST /v1/attention/multihead</c>.</summary>
internal static class MultiheadExamples
{
    /// <summary>The 4 x 4 identity, the projections of the examples.</summary>
    public const string Identity4 = "[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]";

    public static readonly RequestExamples All = new(
    [
        new("two-heads-identity", "Two heads of 2 dimensions with identity projections",
            $$"""{"query":[[1,0,0,1],[0,1,1,0]],"key":[[1,0,0,1],[0,1,1,0],[1,1,1,1]],"value":[[1,2,3,4],[5,6,7,8],[9,10,11,12]],"numHeads":2,"qProjWeight":{{Identity4}},"kProjWeight":{{Identity4}},"vProjWeight":{{Identity4}},"outProjWeight":{{Identity4}}}"""),
        new("batched-key-lengths", "A batch of two; the second item attends only its first key",
            $$"""{"query":[[[1,0,0,1]],[[0,1,1,0]]],"key":[[[1,0,0,1],[0,1,1,0]],[[1,0,0,1],[0,1,1,0]]],"value":[[[1,2,3,4],[5,6,7,8]],[[1,2,3,4],[5,6,7,8]]],"numHeads":2,"keyLengths":[2,1],"averageWeights":false,"qProjWeight":{{Identity4}},"kProjWeight":{{Identity4}},"vProjWeight":{{Identity4}},"outProjWeight":{{Identity4}}}"""),
        new("alibi-window-diagnostics", "Two heads with ALiBi slopes, a causal window of 2 keys at bottom-right alignment, per-head log-sum-exp and diagnostics",
            $$"""{"query":[[1,0,0,1],[0,1,1,0]],"key":[[1,0,0,1],[0,1,1,0],[1,1,1,1]],"value":[[1,2,3,4],[5,6,7,8],[9,10,11,12]],"numHeads":2,"alibi":true,"causal":true,"window":[1,0],"alignment":"bottom_right","returnLogSumExp":true,"diagnostics":true,"qProjWeight":{{Identity4}},"kProjWeight":{{Identity4}},"vProjWeight":{{Identity4}},"outProjWeight":{{Identity4}}}"""),
    ]);
}
