using System.Buffers;
using System.Diagnostics;
using AttentionService.Api.Logging;

namespace AttentionService.Api.Telemetry;

/// <summary>
/// First in the pipeline after the gateway's forwarded headers: gives the request its id (the well-formed
/// <c>X-Request-Id</c> it came with, else its trace id), answers it with <c>X-Request-Id</c> and a W3C
/// <c>traceresponse</c> (<c>00-trace-span-flags</c>, the trace of <c>traceparent</c> when one came in), and counts it
/// when it is answered.
/// </summary>
internal sealed class RequestTelemetryMiddleware(RequestDelegate next, AttentionTelemetry telemetry)
{
    public const string RequestIdHeader = "X-Request-Id";
    public const string TraceResponseHeader = "traceresponse";
    private const int MaxRequestIdLength = 128;

    private static readonly SearchValues<char> RequestIdCharacters =
        SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.:");

    public async Task InvokeAsync(HttpContext context)
    {
        var activity = Activity.Current;
        var supplied = context.Request.Headers[RequestIdHeader].ToString();
        var feature = new RequestLogFeature
        {
            RequestId = IsWellFormed(supplied) ? supplied : activity?.TraceId.ToHexString() ?? context.TraceIdentifier,
        };
        context.Features.Set(feature);
        context.Response.OnStarting(static state => AddHeaders((HttpContext)state), context);
        try
        {
            await next(context);
        }
        finally
        {
            telemetry.Answered(context, feature);
        }
    }

    /// <summary>Letters, digits and <c>-_.:</c>, at most 128: an id that is safe to log and echo.</summary>
    internal static bool IsWellFormed(string id) =>
        id.Length is > 0 and <= MaxRequestIdLength && !id.AsSpan().ContainsAnyExcept(RequestIdCharacters);

    private static Task AddHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        if (context.Features.Get<RequestLogFeature>() is { } feature)
        {
            headers[RequestIdHeader] = feature.RequestId;
        }

        // The request span is the parent of whatever span is current while the answer starts.
        var span = Activity.Current;
        while (span?.Parent is { } parent && span.Source == AttentionTelemetry.Source)
        {
            span = parent;
        }

        if (span is not null && span.IdFormat == ActivityIdFormat.W3C)
        {
            headers[TraceResponseHeader] = span.Id;
        }

        return Task.CompletedTask;
    }
}
