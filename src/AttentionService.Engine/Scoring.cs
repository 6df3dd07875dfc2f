namespace AttentionService.Engine;

/// <summary>How a query row and a key row are compared before the softmax.</summary>
public enum Scoring
{
    /// <summary><c>q · k</c>, scaled by <c>1/sqrt(d)</c> by default ("Attention Is All You Need").</summary>
    ScaledDot,

    /// <summary><c>q · k</c>, unscaled.</summary>
    Dot,

    /// <summary><c>q · k / (max(|q|, 1e-8) · max(|k|, 1e-8))</c>.</summary>
    Cosine,

    /// <summary>Pearson correlation: the cosine of the mean-centred rows.</summary>
    Pearson,

    /// <summary>Multiplicative (Luong): <c>qᵀ W k</c> with a <c>[dq][dk]</c> matrix <c>W</c>; <c>dq</c> and <c>dk</c> may differ.</summary>
    General,

    /// <summary>Additive (Bahdanau): <c>vᵀ tanh(Wq q + Wk k + b)</c>, b optional.</summary>
    Additive,
}
