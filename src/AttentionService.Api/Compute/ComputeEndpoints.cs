using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Serialization.Metadata;
using AttentionService.Api.Errors;
using AttentionService.Api.Hosting;
using AttentionService.Api.Logging;
using AttentionService.Api.Telemetry;
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

    private static async Task<Results<AttentionJsonResult, ProblemHttpResult>> HandleAsync<TRequest, TMapping>(
        HttpContext context, AttentionEngine engine, JsonTypeInfo<TRequest> typeInfo)
        where TRequest : class, IDisposable
        where TMapping : IRequestMapping<TRequest>
    {
        var answer = await RunAsync(
            context, engine, RequestBody.ReadAsync, (body, run) => Answer<TRequest, TMapping>(body, run, typeInfo), body => RequestBody.ParseBytes(body.WrittenSpan));
        return answer is AttentionJsonResult ok ? ok : (ProblemHttpResult)answer;
    }

    /// <summary>
    /// Intake (503 at once when full, 429 when the client holds its share), read the body (I/O only, charged as it
    /// arrives, within the body deadline), charge what parsing it will allocate (<paramref name="parseBytes"/>, before the
    /// wait, so a request that waits with its body can always be parsed), wait for a compute slot (503 when the queue is
    /// full; the deadline covers the wait), then let <paramref name="answer"/> parse, map and compute holding the slot;
    /// the answer it returns (anything but a problem) owns the intake place until it is written.
    /// </summary>
    public static async Task<IResult> RunAsync<TBody>(
        HttpContext context,
        AttentionEngine engine,
        Func<HttpContext, long, Admission.Ticket?, TimeSpan?, Task<(TBody? Body, ProblemHttpResult? Problem)>> readAsync,
        Func<TBody, ComputeRun, IResult> answer,
        Func<TBody, long>? parseBytes = null)
        where TBody : class, IDisposable
    {
        var admission = context.RequestServices.GetRequiredService<Admission>();
        var telemetry = context.RequestServices.GetRequiredService<AttentionTelemetry>();
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
            var (body, problem) = await readAsync(context, options.Limits.MaxRequestBodyBytes, ticket, TimeSpan.FromSeconds(options.Engine.EffectiveBodyTimeoutSeconds));
            if (body is null)
            {
                return problem!;
            }

            using (body)
            {
                var timings = new RequestTimings { Reading = Stopwatch.GetElapsedTime(started) };
                telemetry.Read(started, timings.Reading, context.Request.ContentLength ?? (body as PooledBufferWriter)?.WrittenCount ?? 0);
                var parsing = parseBytes?.Invoke(body) ?? 0;
                if (!ticket.TryCharge(parsing))
                {
                    return ticket.CouldEverCharge(parsing) ? Busy(context, ticket, "the service's memory budget is in use by other requests") : RequestBody.TooLargeForMemory(ticket);
                }

                var queued = Stopwatch.GetTimestamp();
                if (!await ticket.WaitForSlotAsync(context.RequestAborted))
                {
                    return Busy(context, ticket, $"all {admission.PermitLimit} computation slots are busy and {admission.QueueLength} requests are waiting");
                }

                timings.Queue = Stopwatch.GetElapsedTime(queued);
                telemetry.Queued(queued, timings.Queue);
                var result = answer(body, new ComputeRun(context, engine, timings, Stopwatch.GetTimestamp(), ticket) { ParseBytes = parsing });
                ticketHandedOver = result is not ProblemHttpResult;
                return result;
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

    private static IResult Answer<TRequest, TMapping>(PooledBufferWriter body, ComputeRun run, JsonTypeInfo<TRequest> typeInfo)
        where TRequest : class, IDisposable
        where TMapping : IRequestMapping<TRequest>
    {
        var (request, invalid) = RequestBody.Parse(body.WrittenSpan, typeInfo);
        if (request is null)
        {
            return invalid!;
        }

        using (request)
        {
            run.LogShapes(TMapping.Tensors(request));
            var precision = TMapping.PrecisionOf(request);
            return precision == Precision.Float64
                ? Solve<TRequest, TMapping, double>(request, run, precision)
                : Solve<TRequest, TMapping, float>(request, run, precision);
        }
    }

    /// <summary>503 with <c>Retry-After</c> for what does not fit now: a gateway may retry another replica.</summary>
    internal static ProblemHttpResult Busy(HttpContext context, Admission.Ticket ticket, string reason) =>
        Refused(context, ticket.RetryAfterSeconds, new(StatusCodes.Status503ServiceUnavailable, "The service is busy", reason));

    private static ProblemHttpResult Refused(HttpContext context, int retryAfterSeconds, Admission.Refusal refusal)
    {
        if (refusal.Status == StatusCodes.Status503ServiceUnavailable)
        {
            RequestLogFeature.Refused(context, refusal.Detail.Contains("shutting down", StringComparison.Ordinal) ? "shutting_down" : "busy");
        }

        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);

        // Closing the connection spares the server from draining a body it will never read: under overload that
        // drain, not the refusal, is what would eat the cores the admitted computations need.
        context.Response.Headers.Connection = "close";
        return ErrorResults.Create(refusal.Status, refusal.Title, $"{refusal.Detail}; retry after {retryAfterSeconds} s");
    }

    /// <summary>Maps the request to a problem (422 for wire defects), and hands it to the engine through <see cref="ComputeRun.Solve{T}"/>.</summary>
    private static IResult Solve<TRequest, TMapping, T>(TRequest request, ComputeRun run, Precision precision)
        where TMapping : IRequestMapping<TRequest>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        using var wire = new WireConversion<T>();
        var problem = TMapping.ToProblem(request, wire);
        // The parsed tensors are doubles in buffers up to twice their length; the engine counts its own copies.
        var elements = 0L;
        foreach (var (_, shape) in TMapping.Tensors(request))
        {
            if (shape is null)
            {
                continue;
            }

            var count = 1L;
            foreach (var dim in shape)
            {
                count *= dim;
            }

            elements += count;
        }

        var wireBytes = elements * (typeof(T) == typeof(double) ? 8 : 16);
        return run.Solve(problem, wire.Errors, TMapping.FieldOf, (result, timings, slot) => AttentionJsonResult.Create(result, precision, TMapping.EncodingOf(request), timings, slot), wireBytes);
    }
}
