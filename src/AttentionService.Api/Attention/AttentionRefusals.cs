using AttentionService.Api.OpenApi;

namespace AttentionService.Api.Attention;

/// <summary>The refusals <c>POST /v1/attention</c> documents, each replayed against the service by OpenApiTests.</summary>
internal static class AttentionRefusals
{
    public static readonly ProblemExamples All = new(
    [
        new(400, "string-number", "A number sent as a string (\"NaN\"): tensors hold JSON numbers only",
            """{"query":[["NaN"]],"key":[[1]],"value":[[1]]}""",
            $$"""{{{CommonRefusals.Bad}},"detail":"query: expected numbers, found a string at [0][0]","errors":{"query":["expected numbers, found a string at [0][0]"]},{{CommonRefusals.TraceId}}}"""),
        new(400, "unknown-field", "A typo in a field name (returnWeight for returnWeights)",
            """{"query":[[1]],"key":[[1]],"value":[[1]],"returnWeight":false}""",
            $$"""{{{CommonRefusals.Bad}},"detail":"returnWeight: The JSON property 'returnWeight' could not be mapped to any .NET member contained in type 'AttentionRequest'.","errors":{"returnWeight":["The JSON property 'returnWeight' could not be mapped to any .NET member contained in type 'AttentionRequest'."]},{{CommonRefusals.TraceId}}}"""),
        CommonRefusals.TooLarge,
        CommonRefusals.NotJson,
        new(422, "seed-example-as-written", "The second article's example as printed: keys of 2 numbers against a query of 3",
            """{"query":[[1,2,3]],"key":[[4,5],[6,7],[8,9]],"value":[[1,0],[0,1]]}""",
            $$"""{{{CommonRefusals.Unprocessable}},"detail":"value has 2 rows but key has 3; each key row needs one value row; key rows have 2 numbers but query rows have 3; scaled_dot compares rows of equal length (query [1, 3], key [3, 2])","errors":{"value":["has 2 rows but key has 3; each key row needs one value row"],"key":["rows have 2 numbers but query rows have 3; scaled_dot compares rows of equal length (query [1, 3], key [3, 2])"]},{{CommonRefusals.TraceId}}}"""),
        new(422, "ragged-matrix", "A ragged query: row 1 is shorter than row 0",
            """{"query":[[1,2],[3]],"key":[[1,2]],"value":[[1]]}""",
            $$"""{{{CommonRefusals.Unprocessable}},"detail":"query[1] has 1 elements but the arrays before it at this depth have 2; tensors must be rectangular","errors":{"query[1]":["has 1 elements but the arrays before it at this depth have 2; tensors must be rectangular"]},{{CommonRefusals.TraceId}}}"""),
    ]);
}
