namespace AttentionService.Api.OpenApi;

/// <summary>A documented refusal: what the service answers to one wrong request, shown under its status in Swagger UI.</summary>
/// <param name="Status">The HTTP status it is documented under.</param>
/// <param name="Name">Its key in the OpenAPI document.</param>
/// <param name="Summary">What is wrong with the request.</param>
/// <param name="RequestBody">The body that gets this answer, or null when it is too large to show (413).</param>
/// <param name="Answer">The problem+json answer, word for word; only its <c>traceId</c> is a sample.</param>
public sealed record ProblemExample(int Status, string Name, string Summary, string? RequestBody, string Answer)
{
    /// <summary>The content type the body is sent with.</summary>
    public string RequestContentType { get; init; } = "application/json";
}

/// <summary>Endpoint metadata carrying the documented refusals of an operation.</summary>
public sealed record ProblemExamples(IReadOnlyList<ProblemExample> Items);

/// <summary>
/// The refusals each endpoint documents, the second article's example as printed among them. The answers are what
/// the service says (OpenApiTests replays every request and compares), so Swagger UI never shows an answer that drifted.
/// </summary>
internal static class Refusals
{
    private const string Bad = "\"type\":\"https://tools.ietf.org/html/rfc9110#section-15.5.1\",\"title\":\"The request body does not match the contract\",\"status\":400";
    private const string Unprocessable = "\"type\":\"https://tools.ietf.org/html/rfc4918#section-11.2\",\"title\":\"The request is not a computable attention problem\",\"status\":422";
    private const string TraceId = "\"traceId\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00\"";
    private const string Identity4 = "[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]";

    private static readonly ProblemExample TooLarge = new(413, "body-too-large", "A body of 70,000,000 bytes, over the 64 MiB limit (Attention:Limits:MaxRequestBodyBytes)", null,
        $$"""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.14","title":"Request body too large","status":413,"detail":"the body is 70000000 bytes; this service accepts at most 67108864 bytes (Attention:Limits:MaxRequestBodyBytes)",{{TraceId}}}""");

    private static readonly ProblemExample NotJson = new(415, "not-json", "A form-encoded body instead of application/json", "query=1",
        $$"""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.16","title":"Unsupported Media Type","status":415,"detail":"send the body as application/json; it was application/x-www-form-urlencoded",{{TraceId}}}""")
    {
        RequestContentType = "application/x-www-form-urlencoded",
    };

    public static readonly ProblemExamples Attention = new(
    [
        new(400, "string-number", "A number sent as a string (\"NaN\"): tensors hold JSON numbers only",
            """{"query":[["NaN"]],"key":[[1]],"value":[[1]]}""",
            $$"""{{{Bad}},"detail":"query: expected numbers, found a string at [0][0]","errors":{"query":["expected numbers, found a string at [0][0]"]},{{TraceId}}}"""),
        new(400, "unknown-field", "A typo in a field name (returnWeight for returnWeights)",
            """{"query":[[1]],"key":[[1]],"value":[[1]],"returnWeight":false}""",
            $$"""{{{Bad}},"detail":"returnWeight: The JSON property 'returnWeight' could not be mapped to any .NET member contained in type 'AttentionRequest'.","errors":{"returnWeight":["The JSON property 'returnWeight' could not be mapped to any .NET member contained in type 'AttentionRequest'."]},{{TraceId}}}"""),
        TooLarge,
        NotJson,
        new(422, "seed-example-as-written", "The second article's example as printed: keys of 2 numbers against a query of 3",
            """{"query":[[1,2,3]],"key":[[4,5],[6,7],[8,9]],"value":[[1,0],[0,1]]}""",
            $$"""{{{Unprocessable}},"detail":"value has 2 rows but key has 3; each key row needs one value row; key rows have 2 numbers but query rows have 3; scaled_dot compares rows of equal length (query [1, 3], key [3, 2])","errors":{"value":["has 2 rows but key has 3; each key row needs one value row"],"key":["rows have 2 numbers but query rows have 3; scaled_dot compares rows of equal length (query [1, 3], key [3, 2])"]},{{TraceId}}}"""),
        new(422, "ragged-matrix", "A ragged query: row 1 is shorter than row 0",
            """{"query":[[1,2],[3]],"key":[[1,2]],"value":[[1]]}""",
            $$"""{{{Unprocessable}},"detail":"query[1] has 1 elements but the arrays before it at this depth have 2; tensors must be rectangular","errors":{"query[1]":["has 1 elements but the arrays before it at this depth have 2; tensors must be rectangular"]},{{TraceId}}}"""),
    ]);

    public static readonly ProblemExamples Self = new(
    [
        new(400, "string-number", "A number sent as a string",
            """{"input":[[1,"2"]]}""",
            $$"""{{{Bad}},"detail":"input: expected numbers, found a string at [0][1]","errors":{"input":["expected numbers, found a string at [0][1]"]},{{TraceId}}}"""),
        TooLarge,
        NotJson,
        new(422, "ragged-matrix", "A ragged input: row 1 has 2 numbers, row 0 has 3",
            """{"input":[[1,2,3],[4,5]]}""",
            $$"""{{{Unprocessable}},"detail":"input[1] has 2 elements but the arrays before it at this depth have 3; tensors must be rectangular","errors":{"input[1]":["has 2 elements but the arrays before it at this depth have 3; tensors must be rectangular"]},{{TraceId}}}"""),
        new(422, "parameterized-scoring", "general scoring needs learned parameters, which self-attention does not take",
            """{"input":[[1,2],[3,4]],"scoring":"general"}""",
            $$"""{{{Unprocessable}},"detail":"scoring general needs learned parameters, which self-attention does not take; use POST /v1/attention with query = key = value, or one of scaled_dot, dot, cosine, pearson","errors":{"scoring":["general needs learned parameters, which self-attention does not take; use POST /v1/attention with query = key = value, or one of scaled_dot, dot, cosine, pearson"]},{{TraceId}}}"""),
    ]);

    public static readonly ProblemExamples Multihead = new(
    [
        new(400, "missing-projections", "The projection weights are required",
            """{"query":[[1,0,0,1]],"key":[[1,0,0,1]],"value":[[1,0,0,1]],"numHeads":2}""",
            $$"""{{{Bad}},"detail":"body: JSON deserialization for type 'MultiheadRequest' was missing required properties including: 'qProjWeight', 'kProjWeight', 'vProjWeight', 'outProjWeight'.","errors":{"body":["JSON deserialization for type 'MultiheadRequest' was missing required properties including: 'qProjWeight', 'kProjWeight', 'vProjWeight', 'outProjWeight'."]},{{TraceId}}}"""),
        TooLarge,
        NotJson,
        new(422, "heads-do-not-divide", "3 heads cannot split an embedding of 4",
            $$"""{"query":[[1,0,0,1]],"key":[[1,0,0,1]],"value":[[1,0,0,1]],"numHeads":3,"qProjWeight":{{Identity4}},"kProjWeight":{{Identity4}},"vProjWeight":{{Identity4}},"outProjWeight":{{Identity4}}}""",
            $$"""{{{Unprocessable}},"detail":"numHeads must be >= 1 and divide the embedding size 4; it is 3","errors":{"numHeads":["must be >= 1 and divide the embedding size 4; it is 3"]},{{TraceId}}}"""),
        new(422, "ragged-matrix", "A ragged query: row 1 has 1 number, row 0 has 4",
            $$"""{"query":[[1,0,0,1],[1]],"key":[[1,0,0,1]],"value":[[1,0,0,1]],"numHeads":2,"qProjWeight":{{Identity4}},"kProjWeight":{{Identity4}},"vProjWeight":{{Identity4}},"outProjWeight":{{Identity4}}}""",
            $$"""{{{Unprocessable}},"detail":"query[1] has 1 elements but the arrays before it at this depth have 4; tensors must be rectangular","errors":{"query[1]":["has 1 elements but the arrays before it at this depth have 4; tensors must be rectangular"]},{{TraceId}}}"""),
    ]);
}
