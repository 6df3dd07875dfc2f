using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Serialization.Metadata;
using AttentionService.Api.Errors;
using AttentionService.Api.Hosting;
using AttentionService.Api.Logging;
using AttentionService.Api.Wire;
using AttentionService.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Compute;

/// <summary>The one path every compute endpoint takes: admission, body, parse, mapping, engine, answer.</summary>
internal static class ComputeEndpoints
{
    /// <summary>A compute endpoint: JSON body of <typeparamref name="TRequest"/>, mapped by <typeparamref name="TMapping"/>, with every refusal declared.</summary>
    public static RouteHandlerBuilder MapCompute<TRequest, TMapping>(this RouteGroupBuilder group, string pattern, JsonTypeInfo<TRequest> typeInfo, string name)
        where TRequest : class, IDisposable
        where TMapping : IRequestMapping<TRequest> => group
        .MapPost(pattern, (HttpContext context, AttentionEngine engine) => HandleAsync<TRequest, TMapping>(context, engine, typeInfo))
        .WithName(name)
        .Accepts<TRequest>("application/json")
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .ProducesProblem(StatusCodes.Status504GatewayTimeout);

    /// <summary>
    /// Intake (503 at once when full), read the body (I/O only), wait for a compute slot (503 when the queue is full;
    /// the deadline covers the wait), then parse, map and compute holding the slot, and write holding the intake
    /// place only.
    /// </summary>
    private static async Task<Results<AttentionJsonResult, ProblemHttpResult>> HandleAsync<TRequest, TMapping>(
        HttpContext context, AttentionEngine engine, JsonTypeInfo<TRequest> typeInfo)
        where TRequest : class, IDisposable
        where TMapping : IRequestMapping<TRequest>
    {
        var admission = context.RequestServices.GetRequiredService<Admission>();
        var ticket = admission.TryEnter(out var refusal);
        if (ticket is null)
        {
            return Busy(context, admission, refusal!);
        }

        var ticketHandedOver = false;
        try
        {
            var options = context.RequestServices.GetRequiredService<IOptions<AttentionOptions>>().Value;
            var started = Stopwatch.GetTimestamp();
            var (body, problem) = await RequestBody.ReadAsync(context, options.Limits.MaxRequestBodyBytes);
            if (body is null)
            {
                return problem!;
            }

            using (body)
            {
                var timings = new RequestTimings { Reading = Stopwatch.GetElapsedTime(started) };
                var queued = Stopwatch.GetTimestamp();
                if (!await ticket.WaitForSlotAsync(context.RequestAborted))
                {
                    return Busy(context, admission, $"all {admission.PermitLimit} computation slots are busy and {admission.QueueLength} requests are waiting");
                }

                timings.Queue = Stopwatch.GetElapsedTime(queued);
                var parsing = Stopwatch.GetTimestamp();
                var (request, invalid) = RequestBody.Parse(body.WrittenSpan, typeInfo);
                if (request is null)
                {
                    return invalid!;
                }

                using (request)
                {
                    if (context.Features.Get<RequestLogFeature>() is { } log)
                    {
                        log.Shapes = string.Join(", ", TMapping.Tensors(request).Where(t => t.Shape is not null).Select(t => $"{t.Field} {TensorData.Format(t.Shape)}"));
                    }

                    var answer = TMapping.PrecisionOf(request) == Precision.Float64
                        ? Solve<TRequest, TMapping, double>(request, engine, timings, parsing, ticket, context.RequestAborted)
                        : Solve<TRequest, TMapping, float>(request, engine, timings, parsing, ticket, context.RequestAborted);
                    ticketHandedOver = answer.Result is AttentionJsonResult;
                    return answer;
                }
            }
        }
        finally
        {
            if (!ticketHandedOver)
            {
                ticket.Dispose();
            }
        }
    }

    private static ProblemHttpResult Busy(HttpContext context, Admission admission, string reason)
    {
        context.Response.Headers.RetryAfter = admission.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);

        // Closing the connection spares the server from draining a body it will never read: under overload that
        // drain, not the refusal, is what would eat the cores the admitted computations need.
        context.Response.Headers.Connection = "close";
        return ErrorResults.Create(StatusCodes.Status503ServiceUnavailable, "The service is busy", $"{reason}; retry after {admission.RetryAfterSeconds} s");
    }

    /// <summary>Maps the request to a problem (422 for wire defects), and hands it to the engine, the one validator (422 for its findings).</summary>
    private static Results<AttentionJsonResult, ProblemHttpResult> Solve<TRequest, TMapping, T>(
        TRequest request, AttentionEngine engine, RequestTimings timings, long parsing, Admission.Ticket ticket, CancellationToken ct)
        where TMapping : IRequestMapping<TRequest>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        using var wire = new WireConversion<T>();
        var problem = TMapping.ToProblem(request, wire);
        if (wire.Errors.Any)
        {
            return ErrorResults.Unprocessable(wire.Errors);
        }

        timings.Parse = Stopwatch.GetElapsedTime(parsing);
        var computeStarted = Stopwatch.GetTimestamp();
        try
        {
            var result = engine.Compute(problem, ct);
            timings.Compute = Stopwatch.GetElapsedTime(computeStarted);
            ticket.ReleaseSlot();
            return AttentionJsonResult.Create(result, TMapping.PrecisionOf(request), TMapping.EncodingOf(request), timings, ticket);
        }
        catch (AttentionProblemException e)
        {
            wire.Errors.AddRange(e.Findings, TMapping.FieldOf);
            return ErrorResults.Unprocessable(wire.Errors);
        }
        catch (AttentionOverflowException e)
        {
            var advice = e.Precision == Precision.Float32 ? "; send \"precision\": \"float64\"" : "";
            return ErrorResults.Create(StatusCodes.Status422UnprocessableEntity, "The scores overflow the precision", e.Message + advice);
        }
    }
}
