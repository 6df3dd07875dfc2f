using System.Numerics;
using System.Numerics.Tensors;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// The mask language's per-score steps and the per-row statistics, beside the tile loop's own
/// <see cref="RowSteps{T, TVec, TOps}"/>: softcap and ALiBi before the epilogue (softcap precedes the bias; ALiBi is
/// additive like it), the statistics (top-k, max |score|, entropy) read between the epilogue and the exponentials,
/// and <see cref="FinishRow"/> turns them into the answer once the row's max and sum are final.
/// </summary>
internal static class ScoreVariants<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>s = c·tanh(s / c) over the row's keys.</summary>
    public static void Softcap(Span<T> row, T cap)
    {
        TensorPrimitives.Divide(row, cap, row);
        TensorPrimitives.Tanh(row, row);
        TensorPrimitives.Multiply(row, cap, row);
    }

    /// <summary>s_j −= slope·|position − j| for keys <c>j = j0 ..</c>.</summary>
    public static void Alibi(Span<T> row, T slope, long position, int j0)
    {
        for (var c = 0; c < row.Length; c++)
        {
            row[c] -= slope * T.CreateTruncating(Math.Abs(position - (j0 + c)));
        }
    }

    /// <summary>The largest |s| over the allowed (finite) scores; 0 when none is.</summary>
    public static T MaxAbsAllowed(ReadOnlySpan<T> row)
    {
        var max = T.Zero;
        foreach (var s in row)
        {
            if (T.IsFinite(s))
            {
                max = T.Max(max, T.Abs(s));
            }
        }

        return max;
    }

    /// <summary>
    /// Keeps the k largest allowed scores seen so far, largest first, in <paramref name="values"/> (−∞ marks an empty
    /// slot) with their keys. Keys arrive in increasing order, so a score equal to a kept one ranks after it: ties go
    /// to the lower key index.
    /// </summary>
    public static void OfferTopK(ReadOnlySpan<T> row, int j0, Span<T> values, Span<int> indices)
    {
        var k = values.Length;
        for (var c = 0; c < row.Length; c++)
        {
            var s = row[c];
            if (!(s > values[k - 1]))
            {
                continue; // also -inf (forbidden) and the common case once the list is full
            }

            var at = k - 1;
            while (at > 0 && values[at - 1] < s)
            {
                values[at] = values[at - 1];
                indices[at] = indices[at - 1];
                at--;
            }

            values[at] = s;
            indices[at] = j0 + c;
        }
    }

    /// <summary>Σ e·ln e over a row of exponentials e = exp(s − max): the tile's share of the entropy's numerator.</summary>
    public static T EntropyTerm(ReadOnlySpan<T> e)
    {
        var sum = T.Zero;
        foreach (var x in e)
        {
            if (x > T.Zero)
            {
                sum += x * T.Log(x);
            }
        }

        return sum;
    }

    /// <summary>
    /// Folds a tile into the running entropy numerator A = Σ e_j (s_j − max): when the max moved from
    /// <paramref name="oldMax"/> (with sum <paramref name="oldSum"/>) to <paramref name="newMax"/>, the old terms are
    /// rescaled: A' = e^(old − new)·(A − (new − old)·l).
    /// </summary>
    public static T FoldEntropy(T accumulated, T oldMax, T oldSum, T newMax, T tileTerm)
    {
        if (T.IsNegativeInfinity(newMax))
        {
            return T.Zero;
        }

        if (T.IsNegativeInfinity(oldMax))
        {
            return tileTerm;
        }

        return oldMax == newMax ? accumulated + tileTerm : (T.Exp(oldMax - newMax) * (accumulated - ((newMax - oldMax) * oldSum))) + tileTerm;
    }

    /// <summary>Empties the statistics of rows <c>[first, first + rows)</c> before their first key tile.</summary>
    public static void StartRows(CoreProblem<T> p, long first, int rows)
    {
        if (p.TopK > 0)
        {
            p.TopKValues.AsSpan((int)(first * p.TopK), rows * p.TopK).Fill(T.NegativeInfinity);
            p.TopKIndices.AsSpan((int)(first * p.TopK), rows * p.TopK).Fill(-1);
        }

        p.Entropy?.AsSpan((int)first, rows).Clear();
        p.MaxAbsScore?.AsSpan((int)first, rows).Clear();
    }

    /// <summary>Reads a row's final scores (forbidden ones are −∞) before they become exponentials.</summary>
    public static void BeforeExp(CoreProblem<T> p, long row, ReadOnlySpan<T> scores, int j0)
    {
        if (p.MaxAbsScore is not null)
        {
            p.MaxAbsScore[row] = T.Max(p.MaxAbsScore[row], MaxAbsAllowed(scores));
        }

        if (p.TopK > 0)
        {
            OfferTopK(scores, j0, p.TopKValues.AsSpan((int)(row * p.TopK), p.TopK), p.TopKIndices.AsSpan((int)(row * p.TopK), p.TopK));
        }
    }

    /// <summary>Reads a row's exponentials e^(s − max) once the running max and sum are updated.</summary>
    public static void AfterExp(CoreProblem<T> p, long row, ReadOnlySpan<T> e, T oldMax, T oldSum, T newMax)
    {
        if (p.Entropy is not null)
        {
            p.Entropy[row] = FoldEntropy(p.Entropy[row], oldMax, oldSum, newMax, EntropyTerm(e));
        }
    }

    /// <summary>
    /// Writes row <paramref name="row"/>'s statistics from its final max and sum: log-sum-exp M + ln l, entropy
    /// ln l − A / l, and the top-k scores as weights e^(s − M) / l, empty slots filled by the lowest unused keys with 0.
    /// </summary>
    public static void FinishRow(CoreProblem<T> p, long row, T rowMax, T rowSum)
    {
        var live = rowSum > T.Zero;
        if (p.LogSumExp is not null)
        {
            p.LogSumExp[row] = live ? rowMax + T.Log(rowSum) : T.NegativeInfinity;
        }

        if (p.Entropy is not null)
        {
            p.Entropy[row] = live ? T.Log(rowSum) - (p.Entropy[row] / rowSum) : T.Zero;
        }

        if (p.TopK > 0)
        {
            var values = p.TopKValues.AsSpan((int)(row * p.TopK), p.TopK);
            var indices = p.TopKIndices.AsSpan((int)(row * p.TopK), p.TopK);
            var next = 0;
            for (var slot = 0; slot < values.Length; slot++)
            {
                if (live && !T.IsNegativeInfinity(values[slot]))
                {
                    values[slot] = T.Exp(values[slot] - rowMax) / rowSum;
                    continue;
                }

                while (indices[..slot].Contains(next))
                {
                    next++;
                }

                values[slot] = T.Zero;
                indices[slot] = next++;
            }
        }
    }
}
