using System.Numerics;
using AttentionService.Api.Contracts;
using AttentionService.Api.Problems;
using AttentionService.Engine;

namespace AttentionService.Api.Endpoints;

/// <summary><c>POST /v1/attention</c>.</summary>
internal sealed class AttentionSolver : ISolver<AttentionRequest>
{
    public static Precision PrecisionOf(AttentionRequest request) => request.Precision;

    public static IEnumerable<(string, TensorData<double>?)> Tensors(AttentionRequest r) =>
        [("query", r.Query?.Data), ("key", r.Key?.Data), ("value", r.Value?.Data), ("bias", r.Bias?.Data)];

    public static Func<CancellationToken, AttentionResult<T>>? Prepare<T>(AttentionRequest r, AttentionEngine engine, WireConversion<T> wire, Limits limits)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var problem = new AttentionProblem<T>
        {
            Query = wire.Numbers(r.Query, "query")!,
            Key = wire.Numbers(r.Key, "key")!,
            Value = wire.Numbers(r.Value, "value")!,
            Scoring = r.Scoring,
            Scale = r.Scale,
            Causal = r.Causal,
            Mask = wire.Booleans(r.Mask, "mask"),
            Bias = wire.Numbers(r.Bias, "bias"),
            W = wire.Numbers(r.Parameters?.W, "parameters.w"),
            Wq = wire.Numbers(r.Parameters?.Wq, "parameters.wq"),
            Wk = wire.Numbers(r.Parameters?.Wk, "parameters.wk"),
            V = wire.Numbers(r.Parameters?.V, "parameters.v"),
            ReturnWeights = r.ReturnWeights,
        };
        return wire.Findings.Any ? null : Validated(problem, engine, wire.Findings, limits);
    }

    /// <summary>Validates a general problem (shared with self-attention) and checks it against the size limits.</summary>
    internal static Func<CancellationToken, AttentionResult<T>>? Validated<T>(AttentionProblem<T> problem, AttentionEngine engine, Findings findings, Limits limits, Func<string, string>? rename = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        findings.AddRange(problem.Validate(), rename);
        if (findings.Any)
        {
            return null;
        }

        var q = problem.Query;
        var scores = (long)q.Length / q.Dim(-1) * problem.Key.Dim(-2);
        limits.Check(findings, scores, problem.ReturnWeights, $"query {TensorData.Format(q.Shape)}, key {TensorData.Format(problem.Key.Shape)}", problem.Size(), 2 * scores * (q.Dim(-1) + problem.Value.Dim(-1)) / (problem.Causal ? 2 : 1));
        return findings.Any ? null : ct => engine.Compute(problem, ct);
    }
}

/// <summary><c>POST /v1/attention/self</c>: the same tensor as query, key and value.</summary>
internal sealed class SelfAttentionSolver : ISolver<SelfAttentionRequest>
{
    public static Precision PrecisionOf(SelfAttentionRequest request) => request.Precision;

    public static IEnumerable<(string, TensorData<double>?)> Tensors(SelfAttentionRequest r) => [("input", r.Input?.Data), ("bias", r.Bias?.Data)];

    public static Func<CancellationToken, AttentionResult<T>>? Prepare<T>(SelfAttentionRequest r, AttentionEngine engine, WireConversion<T> wire, Limits limits)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (r.Scoring is Scoring.General or Scoring.Additive)
        {
            wire.Findings.Add("scoring", $"{Json.WireNames.Of(r.Scoring)} needs learned parameters, which self-attention does not take; use POST /v1/attention with query = key = value, or one of scaled_dot, dot, cosine, pearson");
        }

        var input = wire.Numbers(r.Input, "input")!;
        var problem = new AttentionProblem<T>
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
        };
        return wire.Findings.Any ? null : AttentionSolver.Validated(problem, engine, wire.Findings, limits, f => f is "query" or "key" or "value" ? "input" : f);
    }
}

/// <summary><c>POST /v1/attention/multihead</c>.</summary>
internal sealed class MultiheadSolver : ISolver<MultiheadRequest>
{
    public static Precision PrecisionOf(MultiheadRequest request) => request.Precision;

    public static IEnumerable<(string, TensorData<double>?)> Tensors(MultiheadRequest r) =>
        [("query", r.Query?.Data), ("key", r.Key?.Data), ("value", r.Value?.Data), ("qProjWeight", r.QProjWeight?.Data), ("outProjWeight", r.OutProjWeight?.Data)];

    public static Func<CancellationToken, AttentionResult<T>>? Prepare<T>(MultiheadRequest r, AttentionEngine engine, WireConversion<T> wire, Limits limits)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var problem = new MultiheadProblem<T>
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
        };
        if (wire.Findings.Any)
        {
            return null;
        }

        wire.Findings.AddRange(problem.Validate());
        if (wire.Findings.Any)
        {
            return null;
        }

        var q = problem.Query;
        var batch = q.Rank == 3 ? q.Dim(0) : 1;
        var scores = (long)batch * r.NumHeads * q.Dim(-2) * problem.Key.Dim(-2);
        limits.Check(wire.Findings, scores, r.ReturnWeights, $"query {TensorData.Format(q.Shape)}, key {TensorData.Format(problem.Key.Shape)}, {r.NumHeads} heads", problem.Size(), 4 * scores * q.Dim(-1) / r.NumHeads / (r.Causal ? 2 : 1));
        return wire.Findings.Any ? null : ct => engine.ComputeMultihead(problem, ct);
    }
}
