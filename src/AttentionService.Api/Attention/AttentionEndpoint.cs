using AttentionService.Api.Compute;
using AttentionService.Api.Wire;

namespace AttentionService.Api.Attention;

/// <summary><c>POST /v1/attention</c>.</summary>
internal static class AttentionEndpoint
{
    public static RouteHandlerBuilder MapAttention(this RouteGroupBuilder group) => group
        .MapCompute<AttentionRequest, AttentionMapping>("/attention", AppJsonContext.Default.AttentionRequest, "ComputeAttention")
        .WithSummary("Attention of query rows over key and value rows")
        .WithDescription("softmax(scale · score(Q, K) + bias, masked) · V for one matrix, a batch ([B][n][d]) or batch and heads ([B][H][n][d]), with any of the six scorings. Answers the output and, unless returnWeights is false, the weights.")
        .WithMetadata(AttentionExamples.All, AttentionRefusals.All);
}
