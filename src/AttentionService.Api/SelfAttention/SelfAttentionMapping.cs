using System.Numerics;
using AttentionService.Api.Compute;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.SelfAttention;

/// <summary><c>POST /v1/attention/self</c> as an engine problem: the same tensor as query, key and value.</summary>
internal sealed class SelfAttentionMapping : IRequestMapping<SelfAttentionRequest>
{
    public static Precision PrecisionOf(SelfAttentionRequest request) => request.Precision;

    public static TensorEncoding EncodingOf(SelfAttentionRequest request) => request.Encoding;

    public static IEnumerable<(string, int[]?)> Tensors(SelfAttentionRequest r) => [("input", r.Input?.Shape), ("bias", r.Bias?.Shape)];

    public static IAttentionProblem<T> ToProblem<T>(SelfAttentionRequest r, WireConversion<T> wire)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (r.Scoring is Scoring.General or Scoring.Additive)
        {
            wire.Errors.Add("scoring", $"{ScoringInfo.NameOf(r.Scoring)} needs learned parameters, which self-attention does not take; use POST /v1/attention with query = key = value, or one of scaled_dot, dot, cosine, pearson");
        }

        var input = wire.Numbers(r.Input, "input")!;
        return new AttentionProblem<T>
        {
            Query = input,
            Key = input,
            Value = input,
            Scoring = r.Scoring,
            Scale = r.Scale,
            Causal = r.Causal,
            Mask = wire.Booleans(r.Mask, "mask"),
            Bias = wire.Numbers(r.Bias, "bias"),
            ReturnWeights = r.ReturnWeights,
            Variants = VariantFields.ToVariants(r, wire.Errors),
        };
    }

    public static string FieldOf(ProblemPart part) =>
        part is ProblemPart.Query or ProblemPart.Key or ProblemPart.Value ? "input" : V1Fields.Of(part);
}
