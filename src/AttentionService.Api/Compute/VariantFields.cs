using AttentionService.Api.Errors;
using AttentionService.Engine;

namespace AttentionService.Api.Compute;

/// <summary>
/// The request fields of the mask language and the extra results, the same on every v1 compute endpoint
/// (<c>shared/spec/API.md</c>, "Variants, shards and diagnostics").
/// </summary>
public interface IVariantFields
{
    /// <summary><c>top_left</c> (default) or <c>bottom_right</c>.</summary>
    Alignment Alignment { get; }

    /// <summary><c>[left, right]</c>, −1 for an unbounded side.</summary>
    int[]? Window { get; }

    /// <summary>c &gt; 0: scores become c·tanh(s / c).</summary>
    double? Softcap { get; }

    /// <summary>ALiBi position biases.</summary>
    bool Alibi { get; }

    /// <summary>Adds <c>logSumExp</c>.</summary>
    bool ReturnLogSumExp { get; }

    /// <summary>k: the k largest weights per row instead of the weights.</summary>
    int? WeightsTopK { get; }

    /// <summary>Adds <c>diagnostics</c>.</summary>
    bool Diagnostics { get; }
}

/// <summary>Maps <see cref="IVariantFields"/> onto the engine's <see cref="AttentionVariants"/>, which validates them.</summary>
internal static class VariantFields
{
    public static AttentionVariants ToVariants(IVariantFields r, FieldErrors errors)
    {
        AttentionWindow? window = null;
        if (r.Window is { } w)
        {
            if (w.Length == 2)
            {
                window = new AttentionWindow(w[0], w[1]);
            }
            else
            {
                errors.Add("window", $"must be a pair [left, right] (-1 for an unbounded side); it has {w.Length} numbers");
            }
        }

        return new AttentionVariants
        {
            Alignment = r.Alignment,
            Window = window,
            Softcap = r.Softcap,
            Alibi = r.Alibi,
            ReturnLogSumExp = r.ReturnLogSumExp,
            WeightsTopK = r.WeightsTopK,
            Diagnostics = r.Diagnostics,
        };
    }
}
