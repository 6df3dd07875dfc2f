using AttentionService.Api.OpenApi;

namespace AttentionService.Api.Multihead;

/// <summary>The refusals <c>POST /v1/attention/multihead</c> documents, each replayed against the service by OpenApiTests.</summary>
internal static class MultiheadRefusals
{
    public static readonly ProblemExamples All = new(
    [
        new(400, "missing-projections", "The projection weights are required",
            """{"query":[[1,0,0,1]],"key":[[1,0,0,1]],"value":[[1,0,0,1]],"numHeads":2}""",
            $$"""{{{CommonRefusals.Bad}},"detail":"body: JSON deserialization for type 'MultiheadRequest' was missing required properties including: 'qProjWeight', 'kProjWeight', 'vProjWeight', 'outProjWeight'.","errors":{"body":["JSON deserialization for type 'MultiheadRequest' was missing required properties including: 'qProjWeight', 'kProjWeight', 'vProjWeight', 'outProjWeight'."]},{{CommonRefusals.TraceId}}}"""),
        CommonRefusals.TooLarge,
        CommonRefusals.NotJson,
        new(422, "heads-do-not-divide", "3 heads cannot split an embedding of 4",
            $$"""{"query":[[1,0,0,1]],"key":[[1,0,0,1]],"value":[[1,0,0,1]],"numHeads":3,"qProjWeight":{{MultiheadExamples.Identity4}},"kProjWeight":{{MultiheadExamples.Identity4}},"vProjWeight":{{MultiheadExamples.Identity4}},"outProjWeight":{{MultiheadExamples.Identity4}}}""",
            $$"""{{{CommonRefusals.Unprocessable}},"detail":"numHeads must be >= 1 and divide the embedding size 4; it is 3","errors":{"numHeads":["must be >= 1 and divide the embedding size 4; it is 3"]},{{CommonRefusals.TraceId}}}"""),
        new(422, "ragged-matrix", "A ragged query: row 1 has 1 number, row 0 has 4",
            $$"""{"query":[[1,0,0,1],[1]],"key":[[1,0,0,1]],"value":[[1,0,0,1]],"numHeads":2,"qProjWeight":{{MultiheadExamples.Identity4}},"kProjWeight":{{MultiheadExamples.Identity4}},"vProjWeight":{{MultiheadExamples.Identity4}},"outProjWeight":{{MultiheadExamples.Identity4}}}""",
            $$"""{{{CommonRefusals.Unprocessable}},"detail":"query[1] has 1 elements but the arrays before it at this depth have 4; tensors must be rectangular","errors":{"query[1]":["has 1 elements but the arrays before it at this depth have 4; tensors must be rectangular"]},{{CommonRefusals.TraceId}}}"""),
    ]);
}
