using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using AttentionService.Api.Errors;
using AttentionService.Api.Logging;
using AttentionService.Api.Telemetry;
using AttentionService.Engine;

namespace AttentionService.Api.Compute;

/// <summary>A request that holds a compute slot: what every face needs to hand its problem to the engine and answer.</summary>
internal sealed class ComputeRun(HttpContext context, AttentionEngine engine, RequestTimings timings, long parsing, Admission.Ticket ticket)
{
    public HttpContext Context => context;

    /// <summary>What the request was charged for parsing its body; traded for the problem's own bytes in <see cref="Solve{T}"/>.</summary>
    public long ParseBytes { get; init; }

    /// <summary>Tells the request log and the spans the tensors' shapes (never their numbers), when either will use them; absent tensors have no shape.</summary>
    public void LogShapes(IEnumerable<(string Field, int[]? Shape)> tensors)
    {
        if (context.Features.Get<RequestLogFeature>() is { Wanted: true } log)
        {
            var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
            foreach (var (field, shape) in tensors)
            {
                if (shape is not null)
                {
                    AppendShape(ref text, field, shape);
                }
            }

            log.Shapes = text.ToStringAndClear();
        }
    }

    /// <summary><c>query [4, 8]</c>, after a comma when not the first: formatted in place, no string per tensor.</summary>
    private static void AppendShape(ref DefaultInterpolatedStringHandler text, string field, ReadOnlySpan<int> shape)
    {
        text.AppendLiteral(text.Text.IsEmpty ? "" : ", ");
        text.AppendFormatted(field);
        text.AppendLiteral(" [");
        for (var i = 0; i < shape.Length; i++)
        {
            text.AppendLiteral(i == 0 ? "" : ", ");
            text.AppendFormatted(shape[i]);
        }

        text.AppendLiteral("]");
    }

    /// <summary>The answer's formatting buffer: up to <see cref="AttentionJsonResult.BufferedBytes"/> and the writer's pending bytes.</summary>
    private const long AnswerWriterBytes = 2L * AttentionJsonResult.BufferedBytes;

    /// <summary>
    /// Hands the problem to the engine, the one validator (422 for its findings, named by <paramref name="fieldOf"/>),
    /// unless <paramref name="errors"/> already holds wire defects (422); has it measured and trades the parse charge for
    /// the problem's bytes plus <paramref name="wireBytes"/> (the face's own copies of the inputs): 503 when they do not
    /// fit now, 422 citing the budget when they never could. Releases the compute slot once the engine is done, keeps
    /// only the answer's charge, and lets <paramref name="answer"/> write the result, owning the request's intake place.
    /// </summary>
    public IResult Solve<T>(
        IAttentionProblem<T> problem,
        FieldErrors errors,
        Func<ProblemPart, string> fieldOf,
        Func<AttentionResult<T>, RequestTimings, IDisposable, IResult> answer,
        long wireBytes = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (errors.Any)
        {
            return ErrorResults.Unprocessable(errors);
        }

        timings.Parse = Stopwatch.GetElapsedTime(parsing);
        try
        {
            var needed = engine.Measure(problem).Bytes + wireBytes + AnswerWriterBytes;
            if (needed > ParseBytes && !ticket.TryCharge(needed - ParseBytes))
            {
                return ticket.CouldEverCharge(needed - ParseBytes)
                    ? ComputeEndpoints.Busy(context, ticket, $"the problem needs about {needed} bytes and the service's memory budget is in use by other requests")
                    : ErrorResults.Create(StatusCodes.Status422UnprocessableEntity, "The problem is larger than the memory budget",
                        $"the problem and its request need about {needed} bytes; this service may hold at most {ticket.Budget} bytes for all requests (Attention:Limits:MemoryBudgetBytes): send a smaller problem");
            }

            ticket.Release(Math.Max(0, ParseBytes - needed));
            var computeStarted = Stopwatch.GetTimestamp();
            var result = engine.Compute(problem, context.RequestAborted);
            timings.Compute = Stopwatch.GetElapsedTime(computeStarted);
            context.RequestServices.GetRequiredService<AttentionTelemetry>().Computed(context, ComputeRecord.Of(problem, result, engine.KernelPath, parsing, timings.Parse, timings.Compute));
            ticket.ReleaseSlot();

            // From here the request holds only its answer: the output, the weights and the writer's buffer.
            var answerBytes = ((result.Output.Length + (long)(result.Weights?.Length ?? 0)) * Unsafe.SizeOf<T>()) + AnswerWriterBytes;
            ticket.Release(ticket.Charged - answerBytes);
            return answer(result, timings, ticket);
        }
        catch (AttentionProblemException e)
        {
            errors.AddRange(e.Findings, fieldOf);
            return ErrorResults.Unprocessable(errors);
        }
        catch (AttentionOverflowException e)
        {
            var advice = e.Precision == Precision.Float32 ? "; send \"precision\": \"float64\"" : "";
            return ErrorResults.Create(StatusCodes.Status422UnprocessableEntity, "The scores overflow the precision", e.Message + advice);
        }
    }
}
