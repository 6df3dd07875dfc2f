namespace AttentionService.Api.Errors;

/// <summary>
/// What every problem answer carries, whoever wrote it (a handler, routing, the rate limiter, status code pages): a
/// <c>type</c> for the statuses the framework has none for, and a <c>detail</c> for the refusals it leaves without one.
/// </summary>
internal static class ProblemDefaults
{
    private static readonly Dictionary<int, string> Types = new()
    {
        [StatusCodes.Status413PayloadTooLarge] = "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        [StatusCodes.Status429TooManyRequests] = "https://tools.ietf.org/html/rfc6585#section-4",
        [StatusCodes.Status431RequestHeaderFieldsTooLarge] = "https://tools.ietf.org/html/rfc6585#section-5",
    };

    public static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var request = context.HttpContext.Request;
        if (problem.Type is null && problem.Status is { } status && Types.TryGetValue(status, out var type))
        {
            problem.Type = type;
        }

        var path = request.PathBase + request.Path;
        problem.Detail ??= problem.Status switch
        {
            // Routing answers 415 itself (the endpoints declare application/json); say what to send.
            StatusCodes.Status415UnsupportedMediaType => ErrorResults.UnsupportedMediaTypeDetail(request.ContentType),
            StatusCodes.Status404NotFound => $"nothing is served at {path}; the endpoints are listed in /swagger/v1/swagger.json",
            StatusCodes.Status405MethodNotAllowed => $"{path} does not answer {request.Method}"
                + (context.HttpContext.Response.Headers.Allow is { Count: > 0 } allow ? $"; it answers {allow}" : ""),
            _ => null,
        };
    }
}
