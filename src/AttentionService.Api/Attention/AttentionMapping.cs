using System.Numerics;
using AttentionService.Api.Compute;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.Attention;

/// <summary><c>POST /v1/attention</c> as an engine problem.</summary>
internal sealed class AttentionMapping : IRequestMapping<AttentionRequest>
{
    public static Precision PrecisionOf(AttentionRequest request) => request.Precision;

    public static TensorEncoding EncodingOf(AttentionRequest request) => request.Encoding;

    public static IEnumerable<(string, int[]?)> Tensors(AttentionRequest r) =>
        [("query", r.Query?.Shape), ("key", r.Key?.Shape), ("value", r.Value?.Shape), ("bias", r.Bias?.Shape)];

    public static IAttentionProblem<T> ToProblem<T>(AttentionRequest r, WireConversion<T> wire)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => new AttentionProblem<T>
        {
            Query = wire.Numbers(r.Query, "query")!,
            Key = wire.Numbers(r.Key, "key")!,
            Value = wire.Numbers(r.Value, "value")!,
            Scoring = r.Scoring,
            Scale = r.Scale,
            Causal = r.Causal,
            Mask = wire.Booleans(r.Mask, "mask"),
            Bias = wire.Numbers(r.Bias, "bias"),
            W = wire.Numbers(r.Parameters?.W, FieldOf(ProblemPart.W)),
            Wq = wire.Numbers(r.Parameters?.Wq, FieldOf(ProblemPart.Wq)),
            Wk = wire.Numbers(r.Parameters?.Wk, FieldOf(ProblemPart.Wk)),
            V = wire.Numbers(r.Parameters?.V, FieldOf(ProblemPart.V)),
            B = wire.Numbers(r.Parameters?.B, FieldOf(ProblemPart.B)),
            ReturnWeights = r.ReturnWeights,
            Variants = VariantFields.ToVariants(r, wire.Errors),
        };

    public static string FieldOf(ProblemPart part) => part switch
    {
        ProblemPart.ScoringParameters => "parameters",
        ProblemPart.W or ProblemPart.Wq or ProblemPart.Wk or ProblemPart.V or ProblemPart.B => "parameters." + part.ToString().ToLowerInvariant(),
        _ => V1Fields.Of(part),
    };
}
