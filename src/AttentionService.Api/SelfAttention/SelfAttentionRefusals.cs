using AttentionService.Api.OpenApi;

namespace AttentionService.Api.SelfAttention;

/// <summary>The refusals <c>POST /v1/attention/self</c> documents, each replayed against the service by OpenApiTests.</summary>
internal static class SelfAttentionRefusals
{
    public static readonly ProblemExamples All = new(
    [
        new(400, "string-number", "A number sent as a string",
            """{"input":[[1,"2"]]}""",
            $$"""{{{CommonRefusals.Bad}},"detail":"input: expected numbers, found a string at [0][1]","errors":{"input":["expected numbers, found a string at [0][1]"]},{{CommonRefusals.TraceId}}}"""),
        CommonRefusals.TooLarge,
        CommonRefusals.NotJson,
        new(422, "ragged-matrix", "A ragged input: row 1 has 2 numbers, row 0 has 3",
            """{"input":[[1,2,3],[4,5]]}""",
            $$"""{{{CommonRefusals.Unprocessable}},"detail":"input[1] has 2 elements but the arrays before it at this depth have 3; tensors must be rectangular","errors":{"input[1]":["has 2 elements but the arrays before it at this depth have 3; tensors must be rectangular"]},{{CommonRefusals.TraceId}}}"""),
        new(422, "parameterized-scoring", "general scoring needs learned parameters, which self-attention does not take",
            """{"input":[[1,2],[3,4]],"scoring":"general"}""",
            $$"""{{{CommonRefusals.Unprocessable}},"detail":"scoring general needs learned parameters, which self-attention does not take; use POST /v1/attention with query = key = value, or one of scaled_dot, dot, cosine, pearson","errors":{"scoring":["general needs learned parameters, which self-attention does not take; use POST /v1/attention with query = key = value, or one of scaled_dot, dot, cosine, pearson"]},{{CommonRefusals.TraceId}}}"""),
    ]);
}
