using AttentionService.Api.OpenApi;

namespace AttentionService.Api.Merge;

/// <summary>The request examples of <c>POST /v1/attention/merge</c>.</summary>
internal static class MergeExamples
{
    public static readonly RequestExamples All = new(
    [
        new("two-shards", "Two shards of keys for the same two queries; the second query has no key in the second shard",
            """{"partials":[{"output":[[1,0],[0,1]],"logSumExp":[0.5,1.0]},{"output":[[0,1],[0,0]],"logSumExp":[1.5,"-Infinity"]}]}"""),
    ]);
}
