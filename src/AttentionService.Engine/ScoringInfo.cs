namespace AttentionService.Engine;

/// <summary>Describes a scoring function for documentation and discovery.</summary>
/// <param name="Scoring">The scoring function.</param>
/// <param name="Formula">Its formula for one query row <c>q</c> and key row <c>k</c>.</param>
/// <param name="Parameters">The learned parameters it needs, with their shapes; empty when none.</param>
/// <param name="DefaultScale">The scale applied when a request gives none.</param>
/// <param name="Source">Where it comes from.</param>
public sealed record ScoringInfo(Scoring Scoring, string Formula, IReadOnlyList<string> Parameters, string DefaultScale, string Source)
{
    /// <summary>Every scoring function the engine computes, in declaration order.</summary>
    public static IReadOnlyList<ScoringInfo> All { get; } =
    [
        new(Scoring.ScaledDot, "q · k", [], "1/sqrt(dq)", "Vaswani et al., \"Attention Is All You Need\": softmax(QKᵀ/√d)V"),
        new(Scoring.Dot, "q · k", [], "1", "dot-product similarity"),
        new(Scoring.Cosine, "q · k / (max(‖q‖, 1e-8) · max(‖k‖, 1e-8))", [], "1", "cosine similarity"),
        new(Scoring.Pearson, "cosine of q - mean(q) and k - mean(k)", [], "1", "correlation self-attention (Pearson r between rows)"),
        new(Scoring.General, "qᵀ W k", ["w [dq][dk]"], "1", "multiplicative attention (Luong et al.)"),
        new(Scoring.Additive, "vᵀ tanh(Wq q + Wk k + b)", ["wq [a][dq]", "wk [a][dk]", "v [a]", "b [a], optional"], "1", "additive attention (Bahdanau et al.)"),
    ];

    /// <summary>The scoring's name, as the service's contract spells it: <c>scaled_dot</c>, <c>dot</c>, ...</summary>
    public static string NameOf(Scoring scoring) => scoring switch
    {
        Scoring.ScaledDot => "scaled_dot",
        Scoring.Dot => "dot",
        Scoring.Cosine => "cosine",
        Scoring.Pearson => "pearson",
        Scoring.General => "general",
        Scoring.Additive => "additive",
        _ => throw new ArgumentOutOfRangeException(nameof(scoring), scoring, "not a scoring"),
    };

    /// <summary>The scale used when none is given: <c>1/sqrt(dq)</c> for scaled_dot, 1 otherwise.</summary>
    public static double DefaultScaleFor(Scoring scoring, int queryDimension) =>
        scoring == Scoring.ScaledDot ? 1.0 / Math.Sqrt(queryDimension) : 1.0;
}
