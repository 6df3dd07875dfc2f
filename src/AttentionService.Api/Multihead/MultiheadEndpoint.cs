using AttentionService.Api.Compute;
using AttentionService.Api.Wire;

namespace AttentionService.Api.Multihead;

/// <summary><c>POST /v1/attention/multihead</c>.</summary>
internal static class MultiheadEndpoint
{
    public static RouteHandlerBuilder MapMultihead(this RouteGroupBuilder group) => group
        .MapCompute<MultiheadRequest, MultiheadMapping>("/attention/multihead", AppJsonContext.Default.MultiheadRequest, "ComputeMultiheadAttention")
        .WithSummary("Multi-head attention with projections (torch.nn.MultiheadAttention, batch_first, eval)")
        .WithDescription("Projects query, key and value, splits them into numHeads heads, runs scaled dot-product attention per head, concatenates and applies the output projection.")
        .WithMetadata(MultiheadExamples.All, MultiheadRefusals.All);
}
