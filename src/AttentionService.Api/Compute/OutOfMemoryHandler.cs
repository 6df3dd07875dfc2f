using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace AttentionService.Api.Compute;

/// <summary>
/// An <see cref="OutOfMemoryException"/> anywhere in a request is the replica's shortage, not the request's fault and
/// not a bug: 503 with <c>Retry-After</c> (a gateway retries another replica), and readiness fails until memory is back.
/// </summary>
internal sealed partial class OutOfMemoryHandler(MemoryBudget memory, Admission admission, IProblemDetailsService problems, ILogger<OutOfMemoryHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not OutOfMemoryException)
        {
            return false;
        }

        memory.ReportOutOfMemory();
        LogOutOfMemory(logger, memory.Charged, memory.Total);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = admission.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        response.Headers.Connection = "close";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is short of memory",
                Detail = $"this replica ran out of memory while serving the request; retry after {admission.RetryAfterSeconds} s, another replica may take it",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Out of memory; {Charged} of {Budget} budget bytes were charged. Readiness fails until memory is back")]
    private static partial void LogOutOfMemory(ILogger logger, long charged, long budget);
}
