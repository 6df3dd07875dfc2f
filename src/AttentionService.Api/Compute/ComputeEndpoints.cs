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
    /// Intake (503 at once when full, 429 when the client holds its share), read the body (I/O only, charged as it
    /// arrives), wait for a compute slot (503 when the queue is full; the deadline covers the wait), then parse, map and
    /// compute holding the slot, each charged before its buffers exist, and write holding the intake place only.
    /// </summary>
    private static async Task<Results<AttentionJsonResult, ProblemHttpResult>> HandleAsync<TRequest, TMapping>(
        HttpContext context, AttentionEngine engine, JsonTypeInfo<TRequest> typeInfo)
        where TRequest : class, IDisposable
        where TMapping : IRequestMapping<TRequest>
    {
        var admission = context.RequestServices.GetRequiredService<Admission>();
        var ticket = admission.TryEnter(context.Connection.RemoteIpAddress, out var refusal);
        if (ticket is null)
        {
            return Refused(context, admission.RetryAfterSeconds, refusal!);
        }

        var ticketHandedOver = false;
        try
        {
            var options = context.RequestServices.GetRequiredService<IOptions<AttentionOptions>>().Value;
            var started = Stopwatch.GetTimestamp();
            var (body, problem) = await RequestBody.ReadAsync(context, options.Limits.MaxRequestBodyBytes, ticket, TimeSpan.FromSeconds(options.Engine.EffectiveBodyTimeoutSeconds));
            if (body is null)
            {
                return problem!;
            }

            TRequest? request;
            var timings = new RequestTimings { Reading = Stopwatch.GetElapsedTime(started) };
            long parseBytes;
            long parsing;
            using (body)
            {
                // Parsing is charged before the wait, so a request that waits with its body can always be parsed: bodies
                // queued for a slot never hold the memory the running ones need.
                var bodyBytes = ticket.Charged;
                parseBytes = RequestBody.ParseBytes(body.WrittenSpan);
                if (!ticket.TryCharge(parseBytes))
                {
                    return ticket.CouldEverCharge(parseBytes) ? Busy(context, ticket, "the service's memory budget is in use by other requests") : RequestBody.TooLargeForMemory(ticket);
                }

                var queued = Stopwatch.GetTimestamp();
                if (!await ticket.WaitForSlotAsync(context.RequestAborted))
                {
                    return Busy(context, ticket, $"all {admission.PermitLimit} computation slots are busy and {admission.QueueLength} requests are waiting");
                }

                timings.Queue = Stopwatch.GetElapsedTime(queued);
                parsing = Stopwatch.GetTimestamp();
                (request, var invalid) = RequestBody.Parse(body.WrittenSpan, typeInfo);
                ticket.Release(bodyBytes); // the body goes back as this block ends
                if (request is null)
                {
                    return invalid!;
                }
            }

            using (request)
            {
                if (context.Features.Get<RequestLogFeature>() is { } log)
                {
                    log.Shapes = string.Join(", ", TMapping.Tensors(request).Where(t => t.Data is not null).Select(t => $"{t.Field} {TensorData.Format(t.Data!.Shape)}"));
                }

                var answer = TMapping.PrecisionOf(request) == Precision.Float64
                    ? Solve<TRequest, TMapping, double>(context, request, engine, timings, parsing, ticket, parseBytes)
                    : Solve<TRequest, TMapping, float>(context, request, engine, timings, parsing, ticket, parseBytes);
                ticketHandedOver = answer.Result is AttentionJsonResult;
                return answer;
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

    /// <summary>503 with <c>Retry-After</c> for what does not fit now: a gateway may retry another replica.</summary>
    internal static ProblemHttpResult Busy(HttpContext context, Admission.Ticket ticket, string reason) =>
        Refused(context, ticket.RetryAfterSeconds, new(StatusCodes.Status503ServiceUnavailable, "The service is busy", reason));

    private static ProblemHttpResult Refused(HttpContext context, int retryAfterSeconds, Admission.Refusal refusal)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);

        // Closing the connection spares the server from draining a body it will never read: under overload that
        // drain, not the refusal, is what would eat the cores the admitted computations need.
        context.Response.Headers.Connection = "close";
        return ErrorResults.Create(refusal.Status, refusal.Title, $"{refusal.Detail}; retry after {retryAfterSeconds} s");
    }

    /// <summary>
    /// Maps the request to a problem (422 for wire defects), has the engine, the one validator, measure it (422 for its
    /// findings, a problem over the memory budget among them), trades the parse charge for the problem's bytes (503 when
    /// they do not fit now), and computes it.
    /// </summary>
    private static Results<AttentionJsonResult, ProblemHttpResult> Solve<TRequest, TMapping, T>(
        HttpContext context, TRequest request, AttentionEngine engine, RequestTimings timings, long parsing, Admission.Ticket ticket, long parseBytes)
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
        try
        {
            // The parsed tensors are doubles in buffers up to twice their length; the engine counts its own copies.
            var wireBytes = TMapping.Tensors(request).Sum(t => (long)(t.Data?.Length ?? 0)) * (typeof(T) == typeof(double) ? 8 : 16);
            var needed = engine.Measure(problem).Bytes + wireBytes + AnswerWriterBytes;
            if (needed > parseBytes && !ticket.TryCharge(needed - parseBytes))
            {
                return ticket.CouldEverCharge(needed - parseBytes)
                    ? Busy(context, ticket, $"the problem needs about {needed} bytes and the service's memory budget is in use by other requests")
                    : ErrorResults.Create(StatusCodes.Status422UnprocessableEntity, "The problem is larger than the memory budget",
                        $"the problem and its request need about {needed} bytes; this service may hold at most {ticket.Budget} bytes for all requests (Attention:Limits:MemoryBudgetBytes): send a smaller problem");
            }

            ticket.Release(Math.Max(0, parseBytes - needed));
            var computeStarted = Stopwatch.GetTimestamp();
            var result = engine.Compute(problem, context.RequestAborted);
            timings.Compute = Stopwatch.GetElapsedTime(computeStarted);
            ticket.ReleaseSlot();

            // From here the request holds only its answer: the output, the weights and the writer's buffer.
            var answerBytes = ((result.Output.Length + (long)(result.Weights?.Length ?? 0)) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + AnswerWriterBytes;
            ticket.Release(ticket.Charged - answerBytes);
            return AttentionJsonResult.Create(result, TMapping.PrecisionOf(request), timings, ticket);
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

    /// <summary>The answer's formatting buffer: up to <see cref="AttentionJsonResult.BufferedBytes"/> and the writer's pending bytes.</summary>
    private const long AnswerWriterBytes = 2L * AttentionJsonResult.BufferedBytes;
}
