using System.Numerics;
using System.Text.Json;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.Compute;

/// <summary>
/// One endpoint family's request as an engine problem: a plain mapping, no validation. The engine validates the
/// problem; the mapping names the request's field for each part the engine's findings mention.
/// </summary>
internal interface IRequestMapping<in TRequest>
{
    static abstract Precision PrecisionOf(TRequest request);

    /// <summary>The form the answer's tensors take.</summary>
    static abstract TensorEncoding EncodingOf(TRequest request);

    /// <summary>The request's tensors by field name, for the request log (shapes only).</summary>
    static abstract IEnumerable<(string Field, int[]? Shape)> Tensors(TRequest request);

    /// <summary>The problem the request describes; wire defects are recorded in <paramref name="wire"/>'s errors (the problem is then not to be computed).</summary>
    static abstract IAttentionProblem<T> ToProblem<T>(TRequest request, WireConversion<T> wire)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>The request's field path of a part of the problem.</summary>
    static abstract string FieldOf(ProblemPart part);
}

/// <summary>The v1 JSON names of the problem's parts: camelCase, as the request DTOs spell them.</summary>
internal static class V1Fields
{
    public static string Of(ProblemPart part) => JsonNamingPolicy.CamelCase.ConvertName(part.ToString());
}
