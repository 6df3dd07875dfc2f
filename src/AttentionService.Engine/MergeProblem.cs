using System.Numerics;

namespace AttentionService.Engine;

/// <summary>
/// Partial answers of the same queries over disjoint sets of keys, merged into the answer over all of them:
/// lse = ln Σ_p exp(lse_p), output = Σ_p exp(lse_p − lse)·output_p (a row whose every lse_p is −∞ gives zeros and −∞).
/// The identity FlashAttention uses between key blocks and ring attention between devices.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class MergeProblem<T> : IAttentionProblem<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The partial answers, each an output <c>[..., n, dv]</c> with its log-sum-exp <c>[..., n]</c>.</summary>
    public required IReadOnlyList<PartialAnswer<T>> Partials { get; init; }

    bool IAttentionProblem<T>.ReturnWeights => false;

    IReadOnlyList<ProblemFinding> IAttentionProblem<T>.Validate(AttentionEngineOptions limits)
    {
        var rules = new ShapeRules();
        if (Partials is null || Partials.Count == 0)
        {
            rules.Fail(ProblemPart.Partials, "must hold at least one partial answer");
            return rules.Findings;
        }

        int[]? outputShape = null;
        for (var p = 0; p < Partials.Count; p++)
        {
            var (output, lse) = (Partials[p]?.Output, Partials[p]?.LogSumExp);
            if (output is null || lse is null)
            {
                rules.Fail(ProblemPart.Partials, $"are not mergeable: partial {p} needs an output and a logSumExp");
                continue;
            }

            if (output.Rank is < 2 or > 4 || output.Length == 0)
            {
                rules.Fail(ProblemPart.Partials, $"are not mergeable: partial {p}'s output has shape {TensorData.Format(output.Shape)}; it must be nested 2 to 4 deep, [..., n, dv], and not empty");
                continue;
            }

            if (!lse.Shape.SequenceEqual(output.Shape[..^1]))
            {
                rules.Fail(ProblemPart.Partials, $"are not mergeable: partial {p}'s logSumExp has shape {TensorData.Format(lse.Shape)} but its output {TensorData.Format(output.Shape)}; logSumExp is the output's shape without the last dimension, {TensorData.Format(output.Shape[..^1])}");
                continue;
            }

            if (lse.Span.ContainsAnyExcept(T.NegativeInfinity) && !System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<T>(Finite(lse.Span)))
            {
                rules.Fail(ProblemPart.Partials, $"are not mergeable: partial {p}'s logSumExp holds NaN or +Infinity; only finite numbers and -Infinity (a row with no key in the shard) are allowed");
            }

            outputShape ??= output.ShapeArray();
            if (!output.Shape.SequenceEqual(outputShape))
            {
                rules.Fail(ProblemPart.Partials, $"disagree: partial {p}'s output has shape {TensorData.Format(output.Shape)} but partial 0's {TensorData.Format(outputShape)}; partials of one merge answer the same queries with values of the same width");
            }
        }

        if (rules.Ok && (long)outputShape!.Aggregate(1L, (a, d) => a * d) * Partials.Count > Math.Min(limits.MaxScoreElements, Array.MaxLength))
        {
            rules.Exceeds(ProblemPart.Partials, nameof(limits.MaxScoreElements), $"the partials hold {Partials.Count} x {TensorData.Format(outputShape)} numbers; at most {limits.MaxScoreElements} are merged at once");
        }

        return rules.Findings;
    }

    private static T[] Finite(ReadOnlySpan<T> lse)
    {
        var finite = lse.ToArray();
        finite.AsSpan().Replace(T.NegativeInfinity, T.Zero);
        return finite;
    }

    /// <summary>A merge computes no scores: it holds the merged output and log-sum-exp, the size of one partial.</summary>
    ProblemSize IAttentionProblem<T>.Measure(AttentionEngineOptions options)
    {
        var output = Partials[0].Output;
        var lse = Partials[0].LogSumExp;
        var bytes = (output.Length + lse.Length) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return new ProblemSize(0, 0, output.Length, "the merged output", 0, () => $"{Partials.Count} partials of output {TensorData.Format(output.Shape)}", bytes);
    }

    AttentionResult<T> IAttentionProblem<T>.Solve(AttentionEngine engine, CancellationToken cancellationToken) => Solve();

    private AttentionResult<T> Solve()
    {
        var first = Partials[0].Output;
        int dv = first.Dim(-1), rows = first.Length / dv;
        var output = TensorData.Rent<T>(first.ShapeArray());
        var lse = TensorData.Rent<T>(first.ShapeArray()[..^1]);
        for (var r = 0; r < rows; r++)
        {
            var top = T.NegativeInfinity;
            foreach (var partial in Partials)
            {
                top = T.Max(top, partial.LogSumExp.Span[r]);
            }

            var y = output.Span.Slice(r * dv, dv);
            y.Clear();
            if (T.IsNegativeInfinity(top))
            {
                lse.Span[r] = T.NegativeInfinity;
                continue;
            }

            var total = T.Zero;
            foreach (var partial in Partials)
            {
                var w = T.Exp(partial.LogSumExp.Span[r] - top); // exp(-inf) = 0: a shard with no key for this row
                total += w;
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(partial.Output.Span.Slice(r * dv, dv), w, y, y);
            }

            System.Numerics.Tensors.TensorPrimitives.Divide(y, total, y);
            lse.Span[r] = top + T.Log(total);
        }

        return new AttentionResult<T>(output, null, Scoring.ScaledDot, 1) { LogSumExp = lse, IsMerge = true };
    }
}

/// <summary>One shard's answer: its output <c>[..., n, dv]</c> and log-sum-exp <c>[..., n]</c>.</summary>
/// <param name="Output">The partial output, normalized over the shard's keys.</param>
/// <param name="LogSumExp">ln Σ exp(s) over the shard's keys per row; −∞ where the shard has no key for the row.</param>
public sealed record PartialAnswer<T>(TensorData<T> Output, TensorData<T> LogSumExp) where T : unmanaged;
