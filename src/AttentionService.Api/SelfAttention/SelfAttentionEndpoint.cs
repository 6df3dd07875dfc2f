using AttentionService.Api.Compute;
using AttentionService.Api.Wire;

namespace AttentionService.Api.SelfAttention;

/// <summary><c>POST /v1/attention/self</c>.</summary>
internal static class SelfAttentionEndpoint
{
    public static RouteHandlerBuilder MapSelfAttention(this RouteGroupBuilder group) => group
        .MapCompute<SelfAttentionRequest, SelfAttentionMapping>("/attention/self", AppJsonContext.Default.SelfAttentionRequest, "ComputeSelfAttention")
        .WithSummary("Self-attention over one matrix (Q = K = V = input)")
        .WithDescription("Correlation (Pearson) self-attention by default, as in the first article; scaled_dot, dot and cosine also apply.")
        .WithMetadata(SelfAttentionExamples.All, SelfAttentionRefusals.All);
}
