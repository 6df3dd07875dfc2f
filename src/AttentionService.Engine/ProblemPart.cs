namespace AttentionService.Engine;

/// <summary>
/// A part of a problem, as findings name it. The names are the engine's own: each face of the service (v1 JSON, v2)
/// translates them into its field names (<see cref="W"/> is v1's <c>parameters.w</c> and v2's <c>w</c>).
/// </summary>
public enum ProblemPart
{
    /// <summary>The queries.</summary>
    Query,

    /// <summary>The keys.</summary>
    Key,

    /// <summary>The values.</summary>
    Value,

    /// <summary>The score scale.</summary>
    Scale,

    /// <summary>The boolean mask.</summary>
    Mask,

    /// <summary>The additive score bias.</summary>
    Bias,

    /// <summary>The learned parameters of a parameterized scoring as a whole.</summary>
    ScoringParameters,

    /// <summary>General scoring's matrix.</summary>
    W,

    /// <summary>Additive scoring's query projection.</summary>
    Wq,

    /// <summary>Additive scoring's key projection.</summary>
    Wk,

    /// <summary>Additive scoring's output vector.</summary>
    V,

    /// <summary>The number of heads of a multi-head problem.</summary>
    NumHeads,

    /// <summary>Multi-head query projection weight.</summary>
    QProjWeight,

    /// <summary>Multi-head key projection weight.</summary>
    KProjWeight,

    /// <summary>Multi-head value projection weight.</summary>
    VProjWeight,

    /// <summary>Multi-head output projection weight.</summary>
    OutProjWeight,

    /// <summary>Multi-head query projection bias.</summary>
    QProjBias,

    /// <summary>Multi-head key projection bias.</summary>
    KProjBias,

    /// <summary>Multi-head value projection bias.</summary>
    VProjBias,

    /// <summary>Multi-head output projection bias.</summary>
    OutProjBias,

    /// <summary>Valid keys per batch item.</summary>
    KeyLengths,

    /// <summary>Whether the weights are returned.</summary>
    ReturnWeights,

    /// <summary>Additive scoring's bias inside tanh.</summary>
    B,

    /// <summary>How causal and the window line queries up with keys.</summary>
    Alignment,

    /// <summary>The sliding window.</summary>
    Window,

    /// <summary>The score softcap.</summary>
    Softcap,

    /// <summary>ALiBi position biases.</summary>
    Alibi,

    /// <summary>Whether each row's log-sum-exp is returned.</summary>
    ReturnLogSumExp,

    /// <summary>The number of largest weights returned per row.</summary>
    WeightsTopK,

    /// <summary>Whether diagnostics are returned.</summary>
    Diagnostics,

    /// <summary>The partial answers of a merge.</summary>
    Partials,
}
