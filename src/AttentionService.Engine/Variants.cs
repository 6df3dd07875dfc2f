namespace AttentionService.Engine;

/// <summary>How <c>causal</c> and a window line queries up with keys when n ≠ m.</summary>
public enum Alignment
{
    /// <summary>Query i sits at key position i (PyTorch's <c>is_causal</c>).</summary>
    TopLeft,

    /// <summary>Query i sits at key position i + m − n: the last query meets the last key (a KV-cache decode step, FlashAttention).</summary>
    BottomRight,
}

/// <summary>A sliding window: query i at position p attends key j only when p − Left ≤ j ≤ p + Right; −1 leaves a side unbounded.</summary>
/// <param name="Left">Keys before the query's position it may attend; −1 for all.</param>
/// <param name="Right">Keys after the query's position it may attend; −1 for all.</param>
public readonly record struct AttentionWindow(int Left, int Right);

/// <summary>
/// The mask language and the extra results one problem can ask for, shared by every problem type: alignment, window,
/// softcap and ALiBi change the scores (in that order after the scale: softcap, then bias and ALiBi, then masks);
/// the rest ask for more of the answer. The default asks for nothing beyond the plain problem.
/// </summary>
public sealed record AttentionVariants
{
    /// <summary>Nothing beyond the plain problem.</summary>
    public static AttentionVariants None { get; } = new();

    /// <summary>How <c>causal</c> and <see cref="Window"/> line queries up with keys.</summary>
    public Alignment Alignment { get; init; } = Alignment.TopLeft;

    /// <summary>A sliding window, or <c>null</c> for none.</summary>
    public AttentionWindow? Window { get; init; }

    /// <summary>c &gt; 0: each scaled score s becomes c·tanh(s / c) before bias, ALiBi and masks (Gemma 2); <c>null</c> for none.</summary>
    public double? Softcap { get; init; }

    /// <summary>Adds −slope_h·|p − j| to head h's scores, with the ALiBi paper's slopes for the problem's head count.</summary>
    public bool Alibi { get; init; }

    /// <summary>Adds each row's ln Σ_j exp(s_ij) over its final scores (−∞ for a row with no key).</summary>
    public bool ReturnLogSumExp { get; init; }

    /// <summary>k ≥ 1: each row's k largest weights with their key indices, instead of the n × m weights.</summary>
    public int? WeightsTopK { get; init; }

    /// <summary>Adds the kernel path, the rows with no key, the largest |score| attended and each row's entropy.</summary>
    public bool Diagnostics { get; init; }

    /// <summary>Whether anything besides output and weights is computed per row.</summary>
    internal bool NeedsRowStatistics => ReturnLogSumExp || WeightsTopK is not null || Diagnostics;

    internal void Validate(ShapeRules rules, int m)
    {
        if (!Enum.IsDefined(Alignment))
        {
            rules.Fail(ProblemPart.Alignment, $"must be top_left or bottom_right; it is {(int)Alignment}");
        }

        if (Window is { } w && (w.Left < -1 || w.Right < -1))
        {
            rules.Fail(ProblemPart.Window, $"[left, right] must each be >= 0, or -1 for an unbounded side; it is [{w.Left}, {w.Right}]");
        }

        if (Softcap is { } c && !(double.IsFinite(c) && c > 0))
        {
            rules.Fail(ProblemPart.Softcap, $"must be a finite number > 0; it is {c}");
        }

        if (WeightsTopK is { } k && (k < 1 || k > m))
        {
            rules.Fail(ProblemPart.WeightsTopK, $"must lie in 1..{m} (the key count m); it is {k}");
        }
    }

    /// <summary>
    /// The ALiBi slopes of <paramref name="heads"/> heads, as the paper's reference <c>get_slopes</c>: for a power of two
    /// H, 2^(−8h/H) for h = 1..H; otherwise those of the nearest lower power of two, then every other slope of the next.
    /// </summary>
    public static double[] AlibiSlopes(int heads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        static double[] PowerOfTwo(int n)
        {
            var start = Math.Pow(2, -Math.Pow(2, -(Math.Log2(n) - 3)));
            return Enumerable.Range(0, n).Select(i => start * Math.Pow(start, i)).ToArray();
        }

        if (int.IsPow2(heads))
        {
            return PowerOfTwo(heads);
        }

        var closest = 1 << (31 - int.LeadingZeroCount(heads));
        return [.. PowerOfTwo(closest), .. AlibiSlopes(2 * closest).Where((_, i) => i % 2 == 0).Take(heads - closest)];
    }
}
