using AttentionService.Engine.Kernels;

namespace AttentionService.Engine;

/// <summary>How an <see cref="AttentionEngine"/> runs its kernels, and the sizes it refuses before paying for them.</summary>
public sealed class AttentionEngineOptions
{
    /// <summary>Additive scoring may spend this many tanh evaluations per allowed score (a tanh costs about as much as a 64-term dot product).</summary>
    public const int AdditiveWorkPerScore = 8;

    /// <summary>The instruction-set path; <see cref="KernelPath.Auto"/> picks the widest the hardware accelerates.</summary>
    public KernelPath KernelPath { get; init; } = KernelPath.Auto;

    /// <summary>How many threads one computation may use; by default every core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Largest <c>B·H·n·m</c> (scores computed) of one problem, and the largest buffer it may need; additive scoring may
    /// evaluate <see cref="AdditiveWorkPerScore"/> tanh per allowed score. Unlimited by default (a buffer is still one array).
    /// </summary>
    public long MaxScoreElements { get; init; } = long.MaxValue;

    /// <summary>Largest <c>B·H·n·m</c> when the weights are returned. Unlimited by default.</summary>
    public long MaxReturnedWeights { get; init; } = long.MaxValue;

    /// <summary>
    /// Most bytes of buffers one problem may hold while it is solved (<see cref="ProblemSize.Bytes"/>: inputs, copies,
    /// output, weights). A service sets it to its memory budget. Unlimited by default.
    /// </summary>
    public long MaxProblemBytes { get; init; } = long.MaxValue;
}
