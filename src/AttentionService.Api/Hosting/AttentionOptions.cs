using System.ComponentModel.DataAnnotations;
using AttentionService.Engine.Kernels;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Hosting;

/// <summary>The <c>Attention</c> configuration section. Environment variables use <c>__</c>: <c>Attention__Limits__MaxScoreElements</c>.</summary>
public sealed class AttentionOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Attention";

    /// <summary>Sizes the service refuses before paying for them.</summary>
    [ValidateObjectMembers]
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>How the engine runs, how much waits, and for how long.</summary>
    [ValidateObjectMembers]
    public EngineOptions Engine { get; set; } = new();

    /// <summary>Optional API keys and per-key rate limits.</summary>
    [ValidateObjectMembers]
    public AuthOptions Auth { get; set; } = new();

    /// <summary>Swagger UI and the playground: on by default, either may be switched off in production.</summary>
    public UiOptions Ui { get; set; } = new();
}

/// <summary>The browser-facing parts of the service.</summary>
public sealed class UiOptions
{
    /// <summary>Serve Swagger UI at <c>/swagger</c> and the OpenAPI document at <c>/swagger/v1/swagger.json</c>. Default true.</summary>
    public bool Swagger { get; set; } = true;

    /// <summary>Serve the playground (static files) at <c>/</c>. Default true.</summary>
    public bool Playground { get; set; } = true;
}

/// <summary>Size limits; each answers 413 or 422 when exceeded.</summary>
public sealed class LimitsOptions
{
    /// <summary>Largest request body in bytes (413 beyond). Default 64 MiB; at most 2 GiB, as a body is read into one buffer.</summary>
    [Range(1024, 2_147_483_591)]
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest <c>B·H·n·m</c> (scores computed) of one request (422 beyond). Default 2^28.</summary>
    [Range(1, long.MaxValue)]
    public long MaxScoreElements { get; set; } = 268_435_456;

    /// <summary>Largest <c>B·H·n·m</c> when weights are returned (422 beyond). Default 2^24.</summary>
    [Range(1, long.MaxValue)]
    public long MaxReturnedWeights { get; set; } = 16_777_216;

    /// <summary>
    /// Bytes all requests together may hold (bodies, parsed tensors, the engine's buffers); 0 (the default) means 40 % of
    /// what the runtime may use (<c>GC.GetGCMemoryInfo().TotalAvailableMemoryBytes</c>: the heap hard limit, 75 % of a
    /// container's limit), leaving the rest for the process itself and for buffers given back but not yet collected.
    /// Beyond it a request gets 503; one that could never fit, 413 or 422.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MemoryBudgetBytes { get; set; }

    /// <summary><see cref="MemoryBudgetBytes"/> with 0 resolved.</summary>
    public long EffectiveMemoryBudgetBytes => MemoryBudgetBytes > 0 ? MemoryBudgetBytes : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 2 / 5;
}

/// <summary>Engine settings.</summary>
public sealed class EngineOptions
{
    /// <summary>The kernel path: <c>Auto</c> (the widest the hardware accelerates), <c>Vector512</c>, <c>Vector256</c>, <c>Vector128</c> or <c>Scalar</c>; a path the hardware lacks runs on the software fallback.</summary>
    public KernelPath KernelPath { get; set; } = KernelPath.Auto;

    /// <summary>Threads one computation may use; 0 means every core.</summary>
    [Range(0, 1024)]
    public int MaxDegreeOfParallelism { get; set; }

    /// <summary>Computations running at once; 0 means one per core. Beyond it requests queue.</summary>
    [Range(0, 4096)]
    public int MaxConcurrency { get; set; }

    /// <summary>Requests that may wait for a computation slot; a request beyond it gets 503 at once.</summary>
    [Range(0, 100_000)]
    public int QueueLength { get; set; } = 32;

    /// <summary>Deadline of a computation request, queueing included (504 past it). Default 30 s.</summary>
    [Range(0.01, 3600)]
    public double TimeoutSeconds { get; set; } = 30;

    /// <summary>Deadline for receiving a request's body (408 past it); the request's deadline, <see cref="TimeoutSeconds"/>, applies when it is shorter. Default 10 s.</summary>
    [Range(0.01, 3600)]
    public double BodyTimeoutSeconds { get; set; } = 10;

    /// <summary>Requests one client address may have in the service at once (429 beyond); 0 (the default) means half of the intake places.</summary>
    [Range(0, 100_000)]
    public int MaxIntakePerClient { get; set; }

    /// <summary>The <c>Retry-After</c> seconds sent with 503 (queue full or shutting down).</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary><see cref="MaxConcurrency"/> with 0 resolved to the processor count.</summary>
    public int EffectiveMaxConcurrency => MaxConcurrency > 0 ? MaxConcurrency : Environment.ProcessorCount;

    /// <summary>The body deadline that applies: <see cref="BodyTimeoutSeconds"/>, or <see cref="TimeoutSeconds"/> when that is shorter.</summary>
    public double EffectiveBodyTimeoutSeconds => Math.Min(BodyTimeoutSeconds, TimeoutSeconds);

    /// <summary><see cref="MaxIntakePerClient"/> with 0 resolved to half of the intake places (<c>MaxConcurrency + QueueLength</c>), at least 1.</summary>
    public int EffectiveMaxIntakePerClient => MaxIntakePerClient > 0 ? MaxIntakePerClient : Math.Max(1, (EffectiveMaxConcurrency + QueueLength) / 2);
}

/// <summary>API keys: when <see cref="ApiKeyHashes"/> is set, the <c>/v1</c> endpoints require <c>X-API-Key</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>SHA-256 of each accepted key, as 64 hex digits (<c>printf %s "$KEY" | sha256sum</c>). Empty: no keys required.</summary>
    public IList<string> ApiKeyHashes { get; } = [];

    /// <summary>Requests per second each key may make (a token bucket); 0: unlimited.</summary>
    [Range(0, 1_000_000)]
    public double PermitsPerSecond { get; set; }

    /// <summary>Requests a key may make in a burst above the steady rate; 0: one second's worth.</summary>
    [Range(0, 1_000_000)]
    public int Burst { get; set; }

    /// <summary>Whether keys are required.</summary>
    public bool Enabled => ApiKeyHashes.Count > 0;
}

/// <summary>Validates <see cref="AttentionOptions"/> with its data annotations, nested sections included (source-generated).</summary>
[OptionsValidator]
public sealed partial class AttentionOptionsValidator : IValidateOptions<AttentionOptions>;
