using AttentionService.Api.Compute;
using AttentionService.Api.Wire;

namespace AttentionService.Api.Merge;

/// <summary><c>POST /v1/attention/merge</c>.</summary>
internal static class MergeEndpoint
{
    public static RouteHandlerBuilder MapMerge(this RouteGroupBuilder group) => group
        .MapCompute<MergeRequest, MergeMapping>("/attention/merge", AppJsonContext.Default.MergeRequest, "MergeAttention")
        .WithSummary("Merge partial answers over disjoint key shards into the exact full answer")
        .WithDescription("Each partial is the output and logSumExp of the same queries over one shard of the keys (returnLogSumExp: true). lse = ln Σ_p exp(lse_p), output = Σ_p exp(lse_p − lse)·output_p: the same numbers as one pass over every key. A row no shard can attend gives zeros and \"-Infinity\". Answers output, logSumExp and precision.")
        .WithMetadata(MergeExamples.All, MergeRefusals.All);
}
