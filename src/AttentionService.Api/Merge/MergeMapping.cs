using System.Numerics;
using AttentionService.Api.Compute;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.Merge;

/// <summary><c>POST /v1/attention/merge</c> as an engine problem.</summary>
internal sealed class MergeMapping : IRequestMapping<MergeRequest>
{
    public static Precision PrecisionOf(MergeRequest request) => request.Precision;

    public static TensorEncoding EncodingOf(MergeRequest request) => request.Encoding;

    public static IEnumerable<(string Field, int[]? Shape)> Tensors(MergeRequest r) =>
        (r.Partials ?? []).Select((p, i) => ($"partials[{i}].output", p?.Output?.Shape));

    public static IAttentionProblem<T> ToProblem<T>(MergeRequest r, WireConversion<T> wire)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => new MergeProblem<T>
        {
            Partials = (r.Partials ?? []).Select((p, i) => new PartialAnswer<T>(
                wire.Numbers(p?.Output, $"partials[{i}].output")!,
                wire.LogSumExp(p?.LogSumExp, $"partials[{i}].logSumExp")!)).ToList(),
        };

    public static string FieldOf(ProblemPart part) => V1Fields.Of(part);
}
