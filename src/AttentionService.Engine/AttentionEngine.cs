using System.Numerics;
using AttentionService.Engine.Kernels;

namespace AttentionService.Engine;

/// <summary>
/// Computes attention. Every scoring is reduced to the fused flash kernel: cosine and Pearson normalize (and centre)
/// the rows first, general multiplies the queries by W, additive projects both sides and scores with tanh.
/// Thread-safe; one instance serves any number of concurrent computations.
/// </summary>
public sealed partial class AttentionEngine
{
    private readonly KernelPath _path;
    private readonly AttentionEngineOptions _options;

    /// <summary>Creates an engine; without options it uses the widest kernel path and every core, with no size limits.</summary>
    public AttentionEngine(AttentionEngineOptions? options = null)
    {
        _options = options ?? new AttentionEngineOptions();
        _path = KernelPaths.Resolve(_options.KernelPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxDegreeOfParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxScoreElements, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxReturnedWeights, 1);
    }

    /// <summary>The kernel path this engine runs.</summary>
    public KernelPath KernelPath => _path;

    /// <summary>
    /// Validates <paramref name="problem"/> (every shape rule and this engine's size limits) and solves it. The caller
    /// disposes the result (its buffers are pooled).
    /// </summary>
    /// <exception cref="AttentionProblemException">The problem's shapes or parameters are not computable, or it exceeds the limits.</exception>
    /// <exception cref="AttentionOverflowException">The scores overflow the precision.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; work stops within one tile.</exception>
    public AttentionResult<T> Compute<T>(IAttentionProblem<T> problem, CancellationToken cancellationToken = default)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var findings = Validate(problem);
        if (findings.Count > 0)
        {
            throw new AttentionProblemException(findings);
        }

        return problem.Solve(this, cancellationToken);
    }

    /// <summary>What makes <paramref name="problem"/> not computable by this engine (shapes, size limits); empty when it is.</summary>
    public IReadOnlyList<ProblemFinding> Validate<T>(IAttentionProblem<T> problem)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Validate(_options);
    }

    /// <summary>
    /// What solving <paramref name="problem"/> costs on this engine: its scores, its largest buffer and
    /// <see cref="ProblemSize.Bytes"/>, every buffer it holds, so a caller can reserve memory before any of it exists.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="problem"/> has findings; call <see cref="Validate{T}"/> first.</exception>
    public ProblemSize Measure<T>(IAttentionProblem<T> problem)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Validate(problem) is { Count: > 0 } findings)
        {
            throw new AttentionProblemException(findings);
        }

        return problem.Measure(_options);
    }

    internal AttentionResult<T> Solve<T>(AttentionProblem<T> problem, CancellationToken cancellationToken)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var q = problem.Query;
        var k = problem.Key;
        var v = problem.Value;
        int rank = q.Rank, n = q.Dim(-2), dq = q.Dim(-1), m = k.Dim(-2), dk = k.Dim(-1), dv = v.Dim(-1);
        int batch = rank >= 3 ? q.Dim(0) : 1, heads = rank == 4 ? q.Dim(1) : 1, kvHeads = rank == 4 ? k.Dim(1) : 1;
        var scale = problem.Scale ?? ScoringInfo.DefaultScaleFor(problem.Scoring, dq);
        int[] leading = q.Shape[..^2].ToArray();
        var temporaries = new List<T[]>();
        TensorData<T>? output = null, weights = null;
        var variants = problem.Variants ?? AttentionVariants.None;
        using var rowOutputs = new RowOutputs<T>(variants, [.. leading, n], topKInKernel: true);
        try
        {
            var (qArr, kArr, d, additiveV) = Prepare(problem, batch * heads * n, batch * kvHeads * m, dq, dk, temporaries, cancellationToken);
            output = TensorData.Rent<T>([.. leading, n, dv]);
            weights = problem.ReturnsWeights ? TensorData.Rent<T>([.. leading, n, m]) : null;
            var core = new CoreProblem<T>
            {
                Batch = batch,
                Heads = heads,
                KvHeads = kvHeads,
                N = n,
                M = m,
                D = d,
                Dv = dv,
                Q = qArr,
                K = kArr,
                V = v.Array,
                Scale = T.CreateTruncating(scale),
                Causal = problem.Causal,
                Mask = problem.Mask?.Array,
                MaskBatchStride = BatchStride(problem.Mask, heads, n, m),
                MaskHeadStride = HeadStride(problem.Mask, n, m),
                Bias = problem.Bias?.Array,
                BiasBatchStride = BatchStride(problem.Bias, heads, n, m),
                BiasHeadStride = HeadStride(problem.Bias, n, m),
                AdditiveV = additiveV,
                Output = output.Array,
                Weights = weights?.Array,
                PositionOffset = variants.Alignment == Alignment.BottomRight ? m - n : 0,
                WindowLeft = variants.Window?.Left ?? -1,
                WindowRight = variants.Window?.Right ?? -1,
                Softcap = T.CreateTruncating(variants.Softcap ?? 0),
                AlibiSlopes = variants.Alibi ? Slopes<T>(heads) : null,
                LogSumExp = rowOutputs.LogSumExp?.Array,
                Entropy = rowOutputs.Entropy?.Array,
                MaxAbsScore = rowOutputs.MaxAbs,
                TopK = variants.WeightsTopK ?? 0,
                TopKIndices = rowOutputs.TopKIndices?.Array,
                TopKValues = rowOutputs.TopKValues?.Array,
            };
            Run(core, cancellationToken);
            var result = rowOutputs.Result(output, weights, problem.Scoring, scale, _path);
            output = weights = null;
            return result;
        }
        finally
        {
            output?.Dispose();
            weights?.Dispose();
            foreach (var array in temporaries)
            {
                BufferPool.Return(array);
            }
        }
    }

    internal void Run<T>(CoreProblem<T> core, CancellationToken cancellationToken)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Outputs beyond the precision's range are reported by the kernels as they write each row (RowSteps.Finish,
        // PartialResults.Merge), not by another pass over the whole output here (1.5 to 3 % at 512² x 8 heads).
        KernelRunner.Run(core, _path, _options.MaxDegreeOfParallelism, cancellationToken);
    }

    /// <summary>Turns every scoring into dot products of prepared rows (or the additive projections).</summary>
    private static (T[] Q, T[] K, int D, T[]? AdditiveV) Prepare<T>(AttentionProblem<T> problem, int qRows, int kRows, int dq, int dk, List<T[]> temporaries, CancellationToken ct)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T[] Temp(int length)
        {
            var array = BufferPool.Rent<T>(Math.Max(length, 1));
            temporaries.Add(array);
            return array;
        }

        var q = problem.Query.Span;
        var k = problem.Key.Span;
        switch (problem.Scoring)
        {
            case Scoring.Cosine or Scoring.Pearson:
                var center = problem.Scoring == Scoring.Pearson;
                var qn = Temp(q.Length);
                var kn = Temp(k.Length);
                LinearAlgebra.NormalizeRows<T>(q, qn, qRows, dq, center);
                LinearAlgebra.NormalizeRows<T>(k, kn, kRows, dk, center);
                return (qn, kn, dq, null);
            case Scoring.General:
                var qw = Temp(qRows * dk);
                LinearAlgebra.MatMul<T>(q, problem.W!.Span, qw, qRows, dq, dk, ct);
                return (qw, problem.Key.Array, dk, null);
            case Scoring.Additive:
                var a = problem.V!.Length;
                var qa = Temp(qRows * a);
                var ka = Temp(kRows * a);
                LinearAlgebra.MatMulTransposed<T>(q, problem.Wq!.Span, problem.B is null ? default : problem.B.Span, qa, qRows, dq, a, ct);
                LinearAlgebra.MatMulTransposed<T>(k, problem.Wk!.Span, default, ka, kRows, dk, a, ct);
                return (qa, ka, a, problem.V.Array);
            default:
                return (problem.Query.Array, problem.Key.Array, dq, null);
        }
    }

    /// <summary>The ALiBi slopes of <paramref name="heads"/> heads in the precision of the computation.</summary>
    internal static T[] Slopes<T>(int heads) where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Array.ConvertAll(AttentionVariants.AlibiSlopes(heads), T.CreateTruncating);

    private static long BatchStride<TElement>(TensorData<TElement>? t, int heads, int n, int m) where TElement : unmanaged =>
        t is null || t.Rank == 2 ? 0 : (long)(t.Rank == 4 ? heads : 1) * n * m;

    private static long HeadStride<TElement>(TensorData<TElement>? t, int n, int m) where TElement : unmanaged =>
        t is { Rank: 4 } ? (long)n * m : 0;
}
