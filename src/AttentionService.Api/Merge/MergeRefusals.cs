using AttentionService.Api.OpenApi;

namespace AttentionService.Api.Merge;

/// <summary>The refusals <c>POST /v1/attention/merge</c> documents, each replayed against the service by OpenApiTests.</summary>
internal static class MergeRefusals
{
    public static readonly ProblemExamples All = new(
    [
        new(422, "shapes-disagree", "Partials whose outputs have different shapes cannot answer the same queries",
            """{"partials":[{"output":[[1,2]],"logSumExp":[0.5]},{"output":[[1,2,3]],"logSumExp":[0.1]}]}""",
            $$"""{{{CommonRefusals.Unprocessable}},"detail":"partials disagree: partial 1's output has shape [1, 3] but partial 0's [1, 2]; partials of one merge answer the same queries with values of the same width","errors":{"partials":["disagree: partial 1's output has shape [1, 3] but partial 0's [1, 2]; partials of one merge answer the same queries with values of the same width"]},{{CommonRefusals.TraceId}}}"""),
        CommonRefusals.TooLarge,
        CommonRefusals.NotJson,
    ]);
}
