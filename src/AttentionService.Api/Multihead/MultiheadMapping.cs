using System.Numerics;
using AttentionService.Api.Compute;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.Multihead;

/// <summary><c>POST /v1/attention/multihead</c> as an engine problem.</summary>
internal sealed class MultiheadMapping : IRequestMapping<MultiheadRequest>
{
    public static Precision PrecisionOf(MultiheadRequest request) => request.Precision;

    public static TensorEncoding EncodingOf(MultiheadRequest request) => request.Encoding;

    public static IEnumerable<(string, int[]?)> Tensors(MultiheadRequest r) =>
        [("query", r.Query?.Shape), ("key", r.Key?.Shape), ("value", r.Value?.Shape), ("qProjWeight", r.QProjWeight?.Shape), ("outProjWeight", r.OutProjWeight?.Shape)];

    public static IAttentionProblem<T> ToProblem<T>(MultiheadRequest r, WireConversion<T> wire)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => new MultiheadProblem<T>
        {
            Query = wire.Numbers(r.Query, "query")!,
            Key = wire.Numbers(r.Key, "key")!,
            Value = wire.Numbers(r.Value, "value")!,
            NumHeads = r.NumHeads,
            QProjWeight = wire.Numbers(r.QProjWeight, "qProjWeight")!,
            KProjWeight = wire.Numbers(r.KProjWeight, "kProjWeight")!,
            VProjWeight = wire.Numbers(r.VProjWeight, "vProjWeight")!,
            OutProjWeight = wire.Numbers(r.OutProjWeight, "outProjWeight")!,
            QProjBias = wire.Numbers(r.QProjBias, "qProjBias"),
            KProjBias = wire.Numbers(r.KProjBias, "kProjBias"),
            VProjBias = wire.Numbers(r.VProjBias, "vProjBias"),
            OutProjBias = wire.Numbers(r.OutProjBias, "outProjBias"),
            Causal = r.Causal,
            Mask = wire.Booleans(r.Mask, "mask"),
            Bias = wire.Numbers(r.Bias, "bias"),
            KeyLengths = r.KeyLengths,
            AverageWeights = r.AverageWeights,
            ReturnWeights = r.ReturnWeights,
            Variants = VariantFields.ToVariants(r, wire.Errors),
        };

    public static string FieldOf(ProblemPart part) => V1Fields.Of(part);
}
