using System.Numerics;

namespace AttentionService.Engine;

/// <summary>A problem <see cref="AttentionEngine.Compute{T}"/> solves: <see cref="AttentionProblem{T}"/> or <see cref="MultiheadProblem{T}"/>.</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>: the precision of the computation.</typeparam>
public interface IAttentionProblem<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Whether the weights are computed and returned.</summary>
    bool ReturnWeights { get; }

    /// <summary>Checks every shape rule and <paramref name="limits"/>; an empty list means the problem is computable.</summary>
    internal IReadOnlyList<ProblemFinding> Validate(AttentionEngineOptions limits);

    /// <summary>What the problem costs on an engine with <paramref name="options"/>. Call on a problem whose shapes are valid.</summary>
    internal ProblemSize Measure(AttentionEngineOptions options);

    /// <summary>Computes a validated problem.</summary>
    internal AttentionResult<T> Solve(AttentionEngine engine, CancellationToken cancellationToken);
}
