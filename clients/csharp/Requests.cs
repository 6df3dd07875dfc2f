namespace AttentionService.Client;

/// <summary>How a query row and a key row are compared.</summary>
public enum Scoring
{
    /// <summary><c>scaled_dot</c>: q · k / sqrt(d).</summary>
    ScaledDot,

    /// <summary><c>dot</c>: q · k.</summary>
    Dot,

    /// <summary><c>cosine</c>: cosine similarity.</summary>
    Cosine,

    /// <summary><c>pearson</c>: correlation of the rows.</summary>
    Pearson,

    /// <summary><c>general</c>: qᵀ W k (needs <see cref="ScoringParameters.W"/>).</summary>
    General,

    /// <summary><c>additive</c>: vᵀ tanh(Wq q + Wk k) (needs Wq, Wk and V).</summary>
    Additive,
}

/// <summary>The arithmetic precision of a computation.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The names are the wire values float32 and float64.")]
public enum Precision
{
    /// <summary><c>float32</c>.</summary>
    Float32,

    /// <summary><c>float64</c>.</summary>
    Float64,
}

/// <summary>The fields every attention request shares; unset fields are not sent and take the service's defaults.</summary>
public abstract class AttentionFields
{
    /// <summary>How rows are compared (the endpoint's default when unset).</summary>
    public Scoring? Scoring { get; set; }

    /// <summary>Multiplies every score; the scoring's default when unset.</summary>
    public double? Scale { get; set; }

    /// <summary>Query <c>i</c> attends key <c>j</c> only when <c>j &lt;= i</c>.</summary>
    public bool? Causal { get; set; }

    /// <summary>Booleans <c>[n][m]</c> or <c>[..., n, m]</c>: <c>true</c> = may attend.</summary>
    public Tensor? Mask { get; set; }

    /// <summary>Numbers added to the scaled scores, same shapes as <see cref="Mask"/>.</summary>
    public Tensor? Bias { get; set; }

    /// <summary>Whether the answer carries the weights (the service's default: true).</summary>
    public bool? ReturnWeights { get; set; }

    /// <summary>The precision; when unset, float64 if the query (or input) is a float64 tensor, else float32.</summary>
    public Precision? Precision { get; set; }
}

/// <summary><c>POST /v1/attention</c>.</summary>
public sealed class AttentionCall : AttentionFields
{
    /// <summary>Query rows, <c>[n][dq]</c>, <c>[B][n][dq]</c> or <c>[B][H][n][dq]</c>.</summary>
    public required Tensor Query { get; set; }

    /// <summary>Key rows, <c>[..., m, dk]</c>.</summary>
    public required Tensor Key { get; set; }

    /// <summary>Value rows, <c>[..., m, dv]</c>.</summary>
    public required Tensor Value { get; set; }

    /// <summary>The learned parameters of <c>general</c> and <c>additive</c> scoring.</summary>
    public ScoringParameters? Parameters { get; set; }
}

/// <summary>The learned parameters of the parameterized scorings.</summary>
public sealed class ScoringParameters
{
    /// <summary><c>general</c>: W, <c>[dq][dk]</c>.</summary>
    public Tensor? W { get; set; }

    /// <summary><c>additive</c>: Wq, <c>[a][dq]</c>.</summary>
    public Tensor? Wq { get; set; }

    /// <summary><c>additive</c>: Wk, <c>[a][dk]</c>.</summary>
    public Tensor? Wk { get; set; }

    /// <summary><c>additive</c>: v, <c>[a]</c>.</summary>
    public Tensor? V { get; set; }
}

/// <summary><c>POST /v1/attention/self</c>: Q = K = V = <see cref="Input"/>.</summary>
public sealed class SelfAttentionCall : AttentionFields
{
    /// <summary>The rows, <c>[n][d]</c> or nested 3 or 4 deep.</summary>
    public required Tensor Input { get; set; }
}

/// <summary><c>POST /v1/attention/multihead</c>, as <c>torch.nn.MultiheadAttention(batch_first=True)</c>.</summary>
public sealed class MultiheadCall : AttentionFields
{
    /// <summary>Queries, <c>[B][n][e]</c> or <c>[n][e]</c>.</summary>
    public required Tensor Query { get; set; }

    /// <summary>Keys, <c>[B][m][kdim]</c> or <c>[m][kdim]</c>.</summary>
    public required Tensor Key { get; set; }

    /// <summary>Values, <c>[B][m][vdim]</c> or <c>[m][vdim]</c>.</summary>
    public required Tensor Value { get; set; }

    /// <summary>Number of heads, dividing <c>e</c>.</summary>
    public required int NumHeads { get; set; }

    /// <summary>Query projection, <c>[e][e]</c>.</summary>
    public required Tensor QProjWeight { get; set; }

    /// <summary>Key projection, <c>[e][kdim]</c>.</summary>
    public required Tensor KProjWeight { get; set; }

    /// <summary>Value projection, <c>[e][vdim]</c>.</summary>
    public required Tensor VProjWeight { get; set; }

    /// <summary>Output projection, <c>[e][e]</c>.</summary>
    public required Tensor OutProjWeight { get; set; }

    /// <summary>Query projection bias, <c>[e]</c>.</summary>
    public Tensor? QProjBias { get; set; }

    /// <summary>Key projection bias, <c>[e]</c>.</summary>
    public Tensor? KProjBias { get; set; }

    /// <summary>Value projection bias, <c>[e]</c>.</summary>
    public Tensor? VProjBias { get; set; }

    /// <summary>Output projection bias, <c>[e]</c>.</summary>
    public Tensor? OutProjBias { get; set; }

    /// <summary><c>[B]</c>: item <c>b</c> attends only keys <c>j &lt; KeyLengths[b]</c>.</summary>
    public IReadOnlyList<int>? KeyLengths { get; set; }

    /// <summary><c>true</c> (the default): weights averaged over heads; <c>false</c>: one set per head.</summary>
    public bool? AverageWeights { get; set; }
}

/// <summary>The answer: <see cref="Output"/> <c>[..., n, dv]</c> and <see cref="Weights"/> <c>[..., n, m]</c> in the request's precision.</summary>
/// <param name="Output">The outputs.</param>
/// <param name="Weights">The weights, or null when not requested.</param>
/// <param name="Scoring">The scoring used, as the wire names it.</param>
/// <param name="Scale">The scale used.</param>
/// <param name="Precision">The precision of the computation.</param>
public sealed record AttentionResult(Tensor Output, Tensor? Weights, string Scoring, double Scale, Precision Precision);
