namespace AttentionService.Api.Logging;

/// <summary>
/// What a request's handlers tell its log line and its metrics: the tensor shapes (never their numbers) and, for a
/// refusal, why. One per request, created by <see cref="Telemetry.RequestTelemetryMiddleware"/>.
/// </summary>
internal sealed class RequestLogFeature
{
    /// <summary>Such as <c>query [1, 3], key [2, 3], value [2, 2]</c>; empty until a compute handler has parsed the body.</summary>
    public string? Shapes { get; set; }

    /// <summary>A refusal's reason for <c>attention.refusals</c> (<c>busy</c>, <c>shutting_down</c>); null: named from the status code.</summary>
    public string? Refusal { get; set; }

    /// <summary>The request id: the client's or gateway's <c>X-Request-Id</c> when it is well-formed, else the trace id.</summary>
    public string RequestId { get; set; } = "";

    /// <summary>Records why <paramref name="context"/> is being refused.</summary>
    public static void Refused(HttpContext context, string reason)
    {
        if (context.Features.Get<RequestLogFeature>() is { } feature)
        {
            feature.Refusal = reason;
        }
    }
}
