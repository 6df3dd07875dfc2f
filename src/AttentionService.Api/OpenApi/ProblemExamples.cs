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
/// What every compute endpoint's documented refusals share. The answers are what the service says (OpenApiTests
/// replays every request and compares), so Swagger UI never shows an answer that drifted.
/// </summary>
internal static class CommonRefusals
{
    public const string Bad = "\"type\":\"https://tools.ietf.org/html/rfc9110#section-15.5.1\",\"title\":\"The request body does not match the contract\",\"status\":400";
    public const string Unprocessable = "\"type\":\"https://tools.ietf.org/html/rfc4918#section-11.2\",\"title\":\"The request is not a computable attention problem\",\"status\":422";
    public const string TraceId = "\"traceId\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00\"";

    public static readonly ProblemExample TooLarge = new(413, "body-too-large", "A body of 70,000,000 bytes, over the 64 MiB limit (Attention:Limits:MaxRequestBodyBytes)", null,
        $$"""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.14","title":"Request body too large","status":413,"detail":"the body is 70000000 bytes; this service accepts at most 67108864 bytes (Attention:Limits:MaxRequestBodyBytes)",{{TraceId}}}""");

    public static readonly ProblemExample NotJson = new(415, "not-json", "A form-encoded body instead of application/json", "query=1",
        $$"""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.16","title":"Unsupported Media Type","status":415,"detail":"send the body as application/json; it was application/x-www-form-urlencoded",{{TraceId}}}""")
    {
        RequestContentType = "application/x-www-form-urlencoded",
    };
}
