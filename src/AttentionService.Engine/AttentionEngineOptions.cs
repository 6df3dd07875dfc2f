using AttentionService.Engine.Kernels;

namespace AttentionService.Engine;

/// <summary>How an <see cref="AttentionEngine"/> runs its kernels.</summary>
public sealed class AttentionEngineOptions
{
    /// <summary>The instruction-set path; <see cref="KernelPath.Auto"/> picks the widest the hardware accelerates.</summary>
    public KernelPath KernelPath { get; init; } = KernelPath.Auto;

    /// <summary>How many threads one computation may use; by default every core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}
