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

    /// <summary>How the engine runs.</summary>
    [ValidateObjectMembers]
    public EngineSettings Engine { get; set; } = new();
}

/// <summary>Size limits; each answers 413 or 422 when exceeded.</summary>
public sealed class LimitsOptions
{
    /// <summary>Largest request body in bytes (413 beyond). Default 64 MiB.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest <c>B·H·n·m</c> (scores computed) of one request (422 beyond). Default 2^28.</summary>
    [Range(1, long.MaxValue)]
    public long MaxScoreElements { get; set; } = 268_435_456;

    /// <summary>Largest <c>B·H·n·m</c> when weights are returned (422 beyond). Default 2^24.</summary>
    [Range(1, long.MaxValue)]
    public long MaxReturnedWeights { get; set; } = 16_777_216;
}

/// <summary>Engine settings.</summary>
public sealed class EngineSettings
{
    /// <summary>The kernel path: <c>Auto</c> (the widest the hardware has), <c>Vector512</c>, <c>Vector256</c> or <c>Scalar</c>.</summary>
    public KernelPath KernelPath { get; set; } = KernelPath.Auto;

    /// <summary>Threads one computation may use; 0 means every core.</summary>
    [Range(0, 1024)]
    public int MaxDegreeOfParallelism { get; set; }
}

/// <summary>Validates <see cref="AttentionOptions"/> with its data annotations, nested sections included (source-generated).</summary>
[OptionsValidator]
public sealed partial class AttentionOptionsValidator : IValidateOptions<AttentionOptions>;
