using System.Diagnostics;
using System.Numerics;
using System.Text.Json.Serialization.Metadata;
using AttentionService.Api.Contracts;
using AttentionService.Api.Hosting;
using AttentionService.Api.Json;
using AttentionService.Api.Logging;
using AttentionService.Api.OpenApi;
using AttentionService.Api.Problems;
using AttentionService.Api.Telemetry;
using AttentionService.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Endpoints;

/// <summary>The <c>/v1</c> endpoints: attention, self-attention, multi-head attention and the list of scorings.</summary>
internal static class AttentionApi
{
    public static RouteGroupBuilder MapAttentionApi(this IEndpointRouteBuilder app)
    {
        var auth = app.ServiceProvider.GetRequiredService<IOptions<AttentionOptions>>().Value.Auth;
        var group = app.MapGroup("/v1").WithTags("Attention").WithComputeConventions(auth);

        group.MapCompute<AttentionRequest, AttentionSolver>("/attention", AppJsonContext.Default.AttentionRequest, "ComputeAttention")
            .WithSummary("Attention of query rows over key and value rows")
            .WithDescription("softmax(scale · score(Q, K) + bias, masked) · V for one matrix, a batch ([B][n][d]) or batch and heads ([B][H][n][d]), with any of the six scorings. Answers the output and, unless returnWeights is false, the weights.")
            .WithMetadata(Examples.Attention, Refusals.Attention);

        group.MapCompute<SelfAttentionRequest, SelfAttentionSolver>("/attention/self", AppJsonContext.Default.SelfAttentionRequest, "ComputeSelfAttention")
            .WithSummary("Self-attention over one matrix (Q = K = V = input)")
            .WithDescription("Correlation (Pearson) self-attention by default, as in the first article; scaled_dot, dot and cosine also apply.")
            .WithMetadata(Examples.Self, Refusals.Self);

        group.MapCompute<MultiheadRequest, MultiheadSolver>("/attention/multihead", AppJsonContext.Default.MultiheadRequest, "ComputeMultiheadAttention")
            .WithSummary("Multi-head attention with projections (torch.nn.MultiheadAttention, batch_first, eval)")
            .WithDescription("Projects query, key and value, splits them into numHeads heads, runs scaled dot-product attention per head, concatenates and applies the output projection.")
            .WithMetadata(Examples.Multihead, Refusals.Multihead);

        group.MapGet("/scorings", () => TypedResults.Ok(ScoringInfo.All.Select(s => new ScoringDescription
            {
                Name = s.Scoring,
                Formula = s.Formula,
                Parameters = s.Parameters,
                DefaultScale = s.DefaultScale,
                Source = s.Source,
            }).ToArray()))
            .WithName("ListScorings")
            .WithSummary("The scoring functions, with formula, parameters and default scale");

        return group;
    }

    /// <summary>A compute endpoint: JSON body of <typeparamref name="TRequest"/>, solved by <typeparamref name="TSolver"/>, with every refusal declared.</summary>
    private static RouteHandlerBuilder MapCompute<TRequest, TSolver>(this RouteGroupBuilder group, string pattern, JsonTypeInfo<TRequest> typeInfo, string name)
        where TRequest : class, IDisposable
        where TSolver : ISolver<TRequest> => group
        .MapPost(pattern, (HttpContext context, AttentionEngine engine) => HandleAsync<TRequest, TSolver>(context, engine, typeInfo))
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
    /// the deadline covers the wait), then parse, validate and compute holding the slot, and write holding the intake
    /// place only.
    /// </summary>
    private static async Task<Results<AttentionJsonResult, ProblemHttpResult>> HandleAsync<TRequest, TSolver>(
        HttpContext context, AttentionEngine engine, JsonTypeInfo<TRequest> typeInfo)
        where TRequest : class, IDisposable
        where TSolver : ISolver<TRequest>
    {
        var admission = context.RequestServices.GetRequiredService<Admission>();
        var telemetry = context.RequestServices.GetRequiredService<AttentionTelemetry>();
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
            var (body, problem) = await JsonBody.ReadAsync(context, options.Limits.MaxRequestBodyBytes);
            if (body is null)
            {
                return problem!;
            }

            using (body)
            {
                var reading = Stopwatch.GetElapsedTime(started);
                telemetry.Read(started, reading, body.WrittenCount);
                var queued = Stopwatch.GetTimestamp();
                if (!await ticket.WaitForSlotAsync(context.RequestAborted))
                {
                    return Busy(context, admission, $"all {admission.PermitLimit} computation slots are busy and {admission.QueueLength} requests are waiting");
                }

                var timings = new RequestTimings { Queue = Stopwatch.GetElapsedTime(queued) };
                telemetry.Queued(queued, timings.Queue);
                var parsing = Stopwatch.GetTimestamp();
                var (request, invalid) = JsonBody.Parse(body.WrittenSpan, typeInfo);
                if (request is null)
                {
                    return invalid!;
                }

                using (request)
                {
                    if (context.Features.Get<RequestLogFeature>() is { } log)
                    {
                        log.Shapes = string.Join(", ", TSolver.Tensors(request).Where(t => t.Data is not null).Select(t => $"{t.Field} {TensorData.Format(t.Data!.Shape)}"));
                    }

                    var limits = new Limits(options.Limits.MaxScoreElements, options.Limits.MaxReturnedWeights);
                    var answer = TSolver.PrecisionOf(request) == Precision.Float64
                        ? Solve<TRequest, TSolver, double>(request, engine, limits, timings, reading, parsing, ticket, context.RequestAborted)
                        : Solve<TRequest, TSolver, float>(request, engine, limits, timings, reading, parsing, ticket, context.RequestAborted);
                    ticketHandedOver = answer.Result is AttentionJsonResult;
                    if (answer.Result is AttentionJsonResult computed)
                    {
                        telemetry.Computed(context, new ComputeRecord(parsing, timings.Parse - reading, timings.Compute, TSolver.PrecisionOf(request), computed.Scoring, engine.KernelPath, context.Features.Get<RequestLogFeature>()?.Shapes, limits.Scores, limits.Flops));
                    }

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
        RequestLogFeature.Refused(context, admission.Draining ? "shutting_down" : "busy");
        context.Response.Headers.RetryAfter = admission.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Closing the connection spares the server from draining a body it will never read: under overload that
        // drain, not the refusal, is what would eat the cores the admitted computations need.
        context.Response.Headers.Connection = "close";
        return ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "The service is busy", $"{reason}; retry after {admission.RetryAfterSeconds} s");
    }

    private static Results<AttentionJsonResult, ProblemHttpResult> Solve<TRequest, TSolver, T>(
        TRequest request, AttentionEngine engine, Limits limits, RequestTimings timings, TimeSpan reading, long parsing, Admission.Ticket ticket, CancellationToken ct)
        where TSolver : ISolver<TRequest>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        using var wire = new WireConversion<T>(new Findings());
        var compute = TSolver.Prepare(request, engine, wire, limits);
        if (compute is null)
        {
            return ApiProblems.Unprocessable(wire.Findings);
        }

        timings.Parse = reading + Stopwatch.GetElapsedTime(parsing);
        var computeStarted = Stopwatch.GetTimestamp();
        try
        {
            var result = compute(ct);
            timings.Compute = Stopwatch.GetElapsedTime(computeStarted);
            ticket.ReleaseSlot();
            return AttentionJsonResult.Create(result, TSolver.PrecisionOf(request), timings, ticket);
        }
        catch (AttentionOverflowException e)
        {
            return ApiProblems.Create(StatusCodes.Status422UnprocessableEntity, "The scores overflow the precision", e.Message);
        }
    }
}
