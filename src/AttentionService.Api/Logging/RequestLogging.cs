using System.Diagnostics;

namespace AttentionService.Api.Logging;

/// <summary>What a handler tells the request log about the request: its tensor shapes, never their numbers.</summary>
internal sealed class RequestLogFeature
{
    /// <summary>Whether a 2xx–4xx line will be written; when not, the handler need not format the shapes.</summary>
    public bool Wanted { get; init; }

    public string? Shapes { get; set; }
}

/// <summary>
/// One log line per request (what Serilog.AspNetCore's request logging would give): method, path, status, elapsed
/// milliseconds, tensor shapes, client address (after forwarded headers, when a trusted gateway set them) and trace id.
/// </summary>
internal sealed partial class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var feature = new RequestLogFeature { Wanted = logger.IsEnabled(LogLevel.Information) };
        context.Features.Set(feature);
        try
        {
            await next(context);
        }
        finally
        {
            var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
            var level = status >= 500 ? LogLevel.Error : LogLevel.Information;
            if (logger.IsEnabled(level))
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var traceId = Activity.Current?.Id ?? context.TraceIdentifier;
                var client = context.Connection.RemoteIpAddress?.ToString() ?? "-";
                LogRequest(logger, level, context.Request.Method, context.Request.Path.Value ?? "/", status, elapsed, feature.Shapes ?? "", client, traceId);
            }
        }
    }

    [LoggerMessage(Message = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.000} ms {Shapes} from {ClientAddress} {TraceId}")]
    private static partial void LogRequest(ILogger logger, LogLevel level, string requestMethod, string requestPath, int statusCode, double elapsed, string shapes, string clientAddress, string traceId);
}
