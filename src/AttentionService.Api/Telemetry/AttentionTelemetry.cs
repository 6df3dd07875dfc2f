using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics;
using AttentionService.Api.Compute;
using AttentionService.Api.Logging;
using AttentionService.Engine;
using AttentionService.Engine.Kernels;

namespace AttentionService.Api.Telemetry;

/// <summary>
/// The service's own spans (<see cref="Source"/>) and metrics (a <see cref="Meter"/> named <see cref="Name"/>). Every
/// instrument is listed, with its meaning, in deploy/README.md. Spans are recorded after each phase from the
/// timestamps the handler already takes for <c>Server-Timing</c>, so a request pays for them only when a tracer
/// listens.
/// </summary>
internal sealed class AttentionTelemetry
{
    /// <summary>The name of the service's ActivitySource and Meter.</summary>
    public const string Name = "AttentionService";

    /// <summary>Child spans of the request span: attention.read, attention.queue, attention.parse, attention.compute, attention.write.</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    };

    private readonly Counter<long> _requests;
    private readonly Counter<long> _refusals;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _computeDuration;
    private readonly Counter<long> _scores;
    private readonly Counter<long> _flops;
    private readonly Counter<long> _bytesRead;
    private readonly Counter<long> _bytesWritten;

    public AttentionTelemetry(IMeterFactory meters, Admission admission, LogBuffer logs)
    {
        var meter = meters.Create(Name);
        _requests = meter.CreateCounter<long>("attention.requests", "{request}", "Requests answered, by endpoint (route) and status code.");
        _refusals = meter.CreateCounter<long>("attention.refusals", "{request}", "API requests refused (400, 401, 413, 415, 422, 429, 503, 504), by status and reason.");
        _queueWait = meter.CreateHistogram("attention.queue.wait", "s", "Time admitted requests waited for a computation slot.", advice: Seconds);
        _computeDuration = meter.CreateHistogram("attention.compute.duration", "s", "Time the engine computed one request, by endpoint and precision.", advice: Seconds);
        _scores = meter.CreateCounter<long>("attention.scores", "{score}", "Attention scores computed (B·H·n·m per request), by endpoint.");
        _flops = meter.CreateCounter<long>("attention.flops", "{flop}", "Floating-point operations of the attention core (2·B·H·n·m·(d + dv)), by endpoint.");
        _bytesRead = meter.CreateCounter<long>("attention.request.body", "By", "Request body bytes read by the compute endpoints.");
        _bytesWritten = meter.CreateCounter<long>("attention.response.body", "By", "Answer bytes written by the compute endpoints.");
        meter.CreateObservableUpDownCounter("attention.queue.depth", () => admission.Waiting, "{request}", "Requests waiting for a computation slot now.");
        meter.CreateObservableUpDownCounter("attention.computations.running", () => admission.Running, "{computation}", "Requests holding a computation slot now.");
        meter.CreateObservableUpDownCounter("attention.computations.limit", () => admission.PermitLimit, "{computation}", "Computation slots (Attention:Engine:MaxConcurrency).");
        meter.CreateObservableUpDownCounter("attention.queue.limit", () => admission.QueueLength, "{request}", "Places in the queue (Attention:Engine:QueueLength).");
        meter.CreateObservableCounter("attention.log.dropped", () => logs.Dropped, "{event}", "Log events dropped because the console fell behind.");
        meter.CreateObservableUpDownCounter("attention.log.queued", () => logs.Queued, "{event}", "Log events waiting for the console now.");
    }

    /// <summary>A request answered: <c>attention.requests</c>, and <c>attention.refusals</c> for an API refusal.</summary>
    public void Answered(HttpContext context, RequestLogFeature feature)
    {
        var status = context.Response.StatusCode;
        _requests.Add(1, new("endpoint", EndpointOf(context)), new("status", status));
        if (RefusalReason(status, feature.Refusal) is { } reason && (context.Request.Path.StartsWithSegments("/v1") || context.Request.Path.StartsWithSegments("/v2")))
        {
            _refusals.Add(1, new("status", status), new("reason", reason));
        }
    }

    /// <summary>The body was read: <c>attention.request.body</c> and the attention.read span.</summary>
    public void Read(long started, TimeSpan duration, long bytes)
    {
        _bytesRead.Add(bytes);
        if (!Source.HasListeners())
        {
            return;
        }

        Span("attention.read", started, duration, default, new TagList { { "attention.request.bytes", bytes } });
    }

    /// <summary>A computation slot was granted: <c>attention.queue.wait</c> and the attention.queue span.</summary>
    public void Queued(long started, TimeSpan wait)
    {
        _queueWait.Record(wait.TotalSeconds);
        Span("attention.queue", started, wait, default, default);
    }

    /// <summary>Parsed and computed: <c>attention.compute.duration</c>, scores, FLOPs, and the attention.parse and attention.compute spans.</summary>
    public void Computed(HttpContext context, ComputeRecord record)
    {
        var shapes = context.Features.Get<RequestLogFeature>()?.Shapes;
        var endpointTag = new KeyValuePair<string, object?>("endpoint", EndpointOf(context));
        var precision = record.Precision == Precision.Float64 ? "float64" : "float32";
        _computeDuration.Record(record.Compute.TotalSeconds, endpointTag, new("precision", precision));
        _scores.Add(record.Scores, endpointTag);
        _flops.Add(record.Flops, endpointTag);
        if (!Source.HasListeners())
        {
            return;
        }

        Span("attention.parse", record.ParseStarted, record.Parse, default, new TagList { { "attention.shapes", shapes } });
        Span("attention.compute", record.ParseStarted, record.Parse + record.Compute, record.Parse, new TagList
        {
            { "attention.shapes", shapes },
            { "attention.scoring", System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(record.Scoring.ToString()) },
            { "attention.precision", precision },
            { "attention.kernel_path", record.KernelPath.ToString() },
            { "attention.scores", record.Scores },
            { "attention.flops", record.Flops },
        });
    }

    /// <summary>The answer was written: <c>attention.response.body</c> and the attention.write span.</summary>
    public void Written(long started, TimeSpan duration, long bytes)
    {
        _bytesWritten.Add(bytes);
        if (!Source.HasListeners())
        {
            return;
        }

        Span("attention.write", started, duration, default, new TagList { { "attention.response.bytes", bytes } });
    }

    /// <summary>The route (<c>/v1/attention</c>), or <c>none</c> when no endpoint served the request (static files, 404).</summary>
    private static string EndpointOf(HttpContext context) => (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "none";

    /// <summary>Reason names by status; a handler may name a more precise one (<see cref="RequestLogFeature.Refused"/>).</summary>
    internal static string? RefusalReason(int status, string? named) => named ?? status switch
    {
        StatusCodes.Status400BadRequest => "bad_request",
        StatusCodes.Status401Unauthorized => "unauthorized",
        StatusCodes.Status413PayloadTooLarge => "body_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status422UnprocessableEntity => "not_computable",
        StatusCodes.Status429TooManyRequests => "rate_limited",
        StatusCodes.Status503ServiceUnavailable => "busy",
        StatusCodes.Status504GatewayTimeout => "deadline",
        _ => null,
    };

    /// <summary>
    /// A finished child span of the current (request) span, from <paramref name="started"/> (a Stopwatch timestamp)
    /// plus <paramref name="skip"/> to <paramref name="started"/> plus <paramref name="end"/>. Started and stopped at
    /// once, so Activity.Current is the request span again afterwards.
    /// </summary>
    private static void Span(string name, long started, TimeSpan end, TimeSpan skip, in TagList tags)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        var origin = DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(started);
        using var activity = Source.StartActivity(name, ActivityKind.Internal, parentContext: default, tags, startTime: origin + skip);
        activity?.SetEndTime((origin + end).UtcDateTime);
    }
}

/// <summary>What one computation did, for <see cref="AttentionTelemetry.Computed"/>.</summary>
/// <param name="ParseStarted">Stopwatch timestamp at which parsing began (after the queue).</param>
/// <param name="Parse">Parsing the body and mapping it to a problem.</param>
/// <param name="Compute">The engine's time, validation included.</param>
/// <param name="Precision">float32 or float64.</param>
/// <param name="Scoring">The scoring the engine applied.</param>
/// <param name="KernelPath">The engine's kernel path.</param>
/// <param name="Scores">B·H·n·m.</param>
/// <param name="Flops">2·B·H·n·m·(d + dv), halved when causal.</param>
internal readonly record struct ComputeRecord(
    long ParseStarted, TimeSpan Parse, TimeSpan Compute, Precision Precision, Scoring Scoring, KernelPath KernelPath, long Scores, long Flops)
{
    /// <summary>The record of a computed (so valid) problem: its scores and the FLOPs of its attention core.</summary>
    public static ComputeRecord Of<T>(IAttentionProblem<T> problem, AttentionResult<T> result, KernelPath path, long parseStarted, TimeSpan parse, TimeSpan compute)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var precision = typeof(T) == typeof(double) ? Precision.Float64 : Precision.Float32;
        var (scores, flops) = problem switch
        {
            // [..., n, d] queries against [..., m, d] keys and [..., m, dv] values, heads and batch in the leading dims.
            AttentionProblem<T> p => Work((long)p.Query.Length / p.Query.Dim(-1) * p.Key.Dim(-2), p.Query.Dim(-1) + p.Value.Dim(-1), p.Causal),

            // [B, n, e] projected into H heads of e / H dimensions, queries and values alike.
            MultiheadProblem<T> p => Work((long)p.Query.Length / p.Query.Dim(-1) * p.NumHeads * p.Key.Dim(-2), 2 * p.Query.Dim(-1) / p.NumHeads, p.Causal),
            _ => (0L, 0L),
        };
        return new ComputeRecord(parseStarted, parse, compute, precision, result.Scoring, path, scores, flops);

        static (long, long) Work(long scores, long dims, bool causal) => (scores, 2 * scores * dims / (causal ? 2 : 1));
    }
}
