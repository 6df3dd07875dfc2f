using AttentionService.Engine;

namespace AttentionService.Api.V2;

/// <summary><c>attention</c>: <c>POST /v1/attention</c>'s problem.</summary>
internal sealed class AttentionModel : Model
{
    private static readonly int[] Tensor = [-1, -1, -1, -1];

    public override string Name => "attention";

    public override string PrecisionInput => "query";

    public override IReadOnlyList<InputSpec> Inputs { get; } =
    [
        new("query", Floats, Tensor), new("key", Floats, Tensor), new("value", Floats, Tensor),
        new("mask", Booleans, Tensor, true), new("bias", Floats, Tensor, true),
        new("w", Floats, [-1, -1], true), new("wq", Floats, [-1, -1], true), new("wk", Floats, [-1, -1], true), new("v", Floats, [-1], true),
    ];

    public override IReadOnlyDictionary<string, ParameterKind> Parameters { get; } = new Dictionary<string, ParameterKind>
    {
        ["scoring"] = ParameterKind.String, ["scale"] = ParameterKind.Number, ["causal"] = ParameterKind.Boolean,
    };

    public override (int[] Output, int[] Weights) OutputShapes => (Tensor, Tensor);

    public override IAttentionProblem<T> ToProblem<T>(ModelRequest r, TensorConversion<T> tensors) => new AttentionProblem<T>
    {
        Query = tensors.Numbers(r.Input("query"))!,
        Key = tensors.Numbers(r.Input("key"))!,
        Value = tensors.Numbers(r.Input("value"))!,
        Scoring = ScoringOf(r, Scoring.ScaledDot),
        Scale = r.Number("scale"),
        Causal = r.Boolean("causal", false),
        Mask = tensors.Booleans(r.Input("mask")),
        Bias = tensors.Numbers(r.Input("bias")),
        W = tensors.Numbers(r.Input("w")),
        Wq = tensors.Numbers(r.Input("wq")),
        Wk = tensors.Numbers(r.Input("wk")),
        V = tensors.Numbers(r.Input("v")),
        ReturnWeights = r.ReturnWeights,
    };

    public override string FieldOf(ProblemPart part) => part == ProblemPart.ScoringParameters ? "scoring" : base.FieldOf(part);

    internal static Scoring ScoringOf(ModelRequest r, Scoring fallback) =>
        r.String("scoring") is { } name ? ScoringInfo.All.First(s => ScoringInfo.NameOf(s.Scoring) == name).Scoring : fallback;
}

/// <summary><c>self_attention</c>: <c>POST /v1/attention/self</c>'s problem, the input as query, key and value.</summary>
internal sealed class SelfAttentionModel : Model
{
    private static readonly int[] Tensor = [-1, -1, -1, -1];

    public override string Name => "self_attention";

    public override string PrecisionInput => "input";

    public override IReadOnlyList<InputSpec> Inputs { get; } =
        [new("input", Floats, Tensor), new("mask", Booleans, Tensor, true), new("bias", Floats, Tensor, true)];

    public override IReadOnlyDictionary<string, ParameterKind> Parameters { get; } = new Dictionary<string, ParameterKind>
    {
        ["scoring"] = ParameterKind.String, ["scale"] = ParameterKind.Number, ["causal"] = ParameterKind.Boolean,
    };

    public override (int[] Output, int[] Weights) OutputShapes => (Tensor, Tensor);

    public override IAttentionProblem<T> ToProblem<T>(ModelRequest r, TensorConversion<T> tensors)
    {
        var scoring = AttentionModel.ScoringOf(r, Scoring.Pearson);
        if (scoring is Scoring.General or Scoring.Additive)
        {
            tensors.Errors.Add("scoring", $"{ScoringInfo.NameOf(scoring)} needs learned parameters, which self-attention does not take; use the attention model with query = key = value, or one of scaled_dot, dot, cosine, pearson");
        }

        var input = tensors.Numbers(r.Input("input"))!;
        return new AttentionProblem<T>
        {
            Query = input,
            Key = input,
            Value = input,
            Scoring = scoring,
            Scale = r.Number("scale"),
            Causal = r.Boolean("causal", false),
            Mask = tensors.Booleans(r.Input("mask")),
            Bias = tensors.Numbers(r.Input("bias")),
            ReturnWeights = r.ReturnWeights,
        };
    }

    public override string FieldOf(ProblemPart part) =>
        part is ProblemPart.Query or ProblemPart.Key or ProblemPart.Value ? "input" : base.FieldOf(part);
}

/// <summary><c>multihead_attention</c>: <c>POST /v1/attention/multihead</c>'s problem (torch.nn.MultiheadAttention, batch_first, eval).</summary>
internal sealed class MultiheadModel : Model
{
    private static readonly int[] Batched = [-1, -1, -1];
    private static readonly int[] Matrix = [-1, -1];
    private static readonly int[] Vector = [-1];

    public override string Name => "multihead_attention";

    public override string PrecisionInput => "query";

    public override IReadOnlyList<InputSpec> Inputs { get; } =
    [
        new("query", Floats, Batched), new("key", Floats, Batched), new("value", Floats, Batched),
        new("q_proj_weight", Floats, Matrix), new("k_proj_weight", Floats, Matrix), new("v_proj_weight", Floats, Matrix), new("out_proj_weight", Floats, Matrix),
        new("q_proj_bias", Floats, Vector, true), new("k_proj_bias", Floats, Vector, true), new("v_proj_bias", Floats, Vector, true), new("out_proj_bias", Floats, Vector, true),
        new("mask", Booleans, Matrix, true), new("bias", Floats, Matrix, true), new("key_lengths", [Datatype.INT64, Datatype.INT32], Vector, true),
    ];

    public override IReadOnlyDictionary<string, ParameterKind> Parameters { get; } = new Dictionary<string, ParameterKind>
    {
        ["num_heads"] = ParameterKind.Integer, ["causal"] = ParameterKind.Boolean, ["average_weights"] = ParameterKind.Boolean,
    };

    public override (int[] Output, int[] Weights) OutputShapes => (Batched, [-1, -1, -1, -1]);

    public override IAttentionProblem<T> ToProblem<T>(ModelRequest r, TensorConversion<T> tensors) => new MultiheadProblem<T>
    {
        Query = tensors.Numbers(r.Input("query"))!,
        Key = tensors.Numbers(r.Input("key"))!,
        Value = tensors.Numbers(r.Input("value"))!,
        NumHeads = r.Integer("num_heads"),
        QProjWeight = tensors.Numbers(r.Input("q_proj_weight"))!,
        KProjWeight = tensors.Numbers(r.Input("k_proj_weight"))!,
        VProjWeight = tensors.Numbers(r.Input("v_proj_weight"))!,
        OutProjWeight = tensors.Numbers(r.Input("out_proj_weight"))!,
        QProjBias = tensors.Numbers(r.Input("q_proj_bias")),
        KProjBias = tensors.Numbers(r.Input("k_proj_bias")),
        VProjBias = tensors.Numbers(r.Input("v_proj_bias")),
        OutProjBias = tensors.Numbers(r.Input("out_proj_bias")),
        Causal = r.Boolean("causal", false),
        Mask = tensors.Booleans(r.Input("mask")),
        Bias = tensors.Numbers(r.Input("bias")),
        KeyLengths = tensors.Integers(r.Input("key_lengths")),
        AverageWeights = r.Boolean("average_weights", true),
        ReturnWeights = r.ReturnWeights,
    };
}
