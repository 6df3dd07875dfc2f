using System.Numerics;

namespace AttentionService.Engine;

/// <summary>
/// Multi-head attention with input and output projections, as <c>torch.nn.MultiheadAttention(batch_first=True)</c>
/// in evaluation mode: project, split into heads of <c>e / NumHeads</c>, scaled dot-product per head, concatenate,
/// project out. Inputs are batched (<c>[B, n, e]</c>) or unbatched (<c>[n, e]</c>).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class MultiheadProblem<T> : IAttentionProblem<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary><c>[B, n, e]</c> or <c>[n, e]</c>.</summary>
    public required TensorData<T> Query { get; init; }

    /// <summary><c>[B, m, kdim]</c> or <c>[m, kdim]</c>.</summary>
    public required TensorData<T> Key { get; init; }

    /// <summary><c>[B, m, vdim]</c> or <c>[m, vdim]</c>.</summary>
    public required TensorData<T> Value { get; init; }

    /// <summary>Number of heads; divides the embedding size <c>e</c>.</summary>
    public required int NumHeads { get; init; }

    /// <summary><c>[e, e]</c>.</summary>
    public required TensorData<T> QProjWeight { get; init; }

    /// <summary><c>[e, kdim]</c>.</summary>
    public required TensorData<T> KProjWeight { get; init; }

    /// <summary><c>[e, vdim]</c>.</summary>
    public required TensorData<T> VProjWeight { get; init; }

    /// <summary><c>[e, e]</c>.</summary>
    public required TensorData<T> OutProjWeight { get; init; }

    /// <summary><c>[e]</c>; zeros when absent.</summary>
    public TensorData<T>? QProjBias { get; init; }

    /// <summary><c>[e]</c>; zeros when absent.</summary>
    public TensorData<T>? KProjBias { get; init; }

    /// <summary><c>[e]</c>; zeros when absent.</summary>
    public TensorData<T>? VProjBias { get; init; }

    /// <summary><c>[e]</c>; zeros when absent.</summary>
    public TensorData<T>? OutProjBias { get; init; }

    /// <summary>Query <c>i</c> attends key <c>j</c> only when <c>j &lt;= i</c>.</summary>
    public bool Causal { get; init; }

    /// <summary><c>[n, m]</c>, <c>true</c> = may attend; shared by every batch item and head.</summary>
    public TensorData<bool>? Mask { get; init; }

    /// <summary><c>[n, m]</c>, added to every head's scaled scores.</summary>
    public TensorData<T>? Bias { get; init; }

    /// <summary><c>[B]</c>: item <c>b</c> attends only keys <c>j &lt; KeyLengths[b]</c>.</summary>
    public IReadOnlyList<int>? KeyLengths { get; init; }

    /// <summary>Average the weights over heads (<c>[B, n, m]</c>) or return them per head (<c>[B, NumHeads, n, m]</c>).</summary>
    public bool AverageWeights { get; init; } = true;

    /// <summary>Whether the weights are computed and returned.</summary>
    public bool ReturnWeights { get; init; } = true;

    /// <summary>
    /// The mask language and the extra results asked for. ALiBi uses <see cref="NumHeads"/> slopes; log-sum-exp and
    /// entropy are per head (<c>[B, NumHeads, n]</c>); the top-k ranks the weights as returned (averaged or per head).
    /// </summary>
    public AttentionVariants Variants { get; init; } = AttentionVariants.None;

    /// <summary>Whether the per-head weights are computed: returned, or ranked for the top-k.</summary>
    internal bool ComputesWeights => ReturnWeights || Variants?.WeightsTopK is not null;

    IReadOnlyList<ProblemFinding> IAttentionProblem<T>.Validate(AttentionEngineOptions limits)
    {
        var rules = new ShapeRules();
        if (!(rules.Tensor(ProblemPart.Query, Query, 2, 3) & rules.Tensor(ProblemPart.Key, Key, 2, 3) & rules.Tensor(ProblemPart.Value, Value, 2, 3)))
        {
            return rules.Findings;
        }

        var rank = Query.Rank;
        if (Key.Rank != rank || Value.Rank != rank)
        {
            rules.Fail(Key.Rank != rank ? ProblemPart.Key : ProblemPart.Value, $"query is nested {rank} deep, key {Key.Rank} and value {Value.Rank}; all three need the same rank");
            return rules.Findings;
        }

        int e = Query.Dim(-1), n = Query.Dim(-2), m = Key.Dim(-2), kdim = Key.Dim(-1), vdim = Value.Dim(-1);
        if (rank == 3 && (Key.Dim(0) != Query.Dim(0) || Value.Dim(0) != Query.Dim(0)))
        {
            rules.Fail(ProblemPart.Key, $"batch sizes differ: query {Query.Dim(0)}, key {Key.Dim(0)}, value {Value.Dim(0)}");
        }

        if (Value.Dim(-2) != m)
        {
            rules.Fail(ProblemPart.Value, $"has {Value.Dim(-2)} rows but key has {m}; each key row needs one value row");
        }

        if (NumHeads < 1 || e % NumHeads != 0)
        {
            rules.Fail(ProblemPart.NumHeads, $"must be >= 1 and divide the embedding size {e}; it is {NumHeads}");
        }

        rules.Shape(ProblemPart.QProjWeight, QProjWeight, [e, e], $"[e, e] with e = {e}");
        rules.Shape(ProblemPart.KProjWeight, KProjWeight, [e, kdim], $"[e, kdim] with e = {e}, kdim = {kdim}");
        rules.Shape(ProblemPart.VProjWeight, VProjWeight, [e, vdim], $"[e, vdim] with e = {e}, vdim = {vdim}");
        rules.Shape(ProblemPart.OutProjWeight, OutProjWeight, [e, e], $"[e, e] with e = {e}");
        foreach (var (part, bias) in new[] { (ProblemPart.QProjBias, QProjBias), (ProblemPart.KProjBias, KProjBias), (ProblemPart.VProjBias, VProjBias), (ProblemPart.OutProjBias, OutProjBias) })
        {
            if (bias is not null)
            {
                rules.Shape(part, bias, [e], $"[e] with e = {e}");
            }
        }

        if (Mask is not null)
        {
            rules.Shape(ProblemPart.Mask, Mask, [n, m], "query rows x key rows");
        }

        if (Bias is not null)
        {
            rules.Shape(ProblemPart.Bias, Bias, [n, m], "query rows x key rows");
        }

        (Variants ?? AttentionVariants.None).Validate(rules, m);
        if (rules.Ok && NumHeads >= 1 && e % NumHeads == 0)
        {
            Size(limits).Check(rules, limits);
        }

        if (KeyLengths is not null)
        {
            var batch = rank == 3 ? Query.Dim(0) : 1;
            if (KeyLengths.Count != batch)
            {
                rules.Fail(ProblemPart.KeyLengths, $"has {KeyLengths.Count} entries but the batch has {batch}");
            }
            else if (KeyLengths.Any(l => l < 0 || l > m))
            {
                rules.Fail(ProblemPart.KeyLengths, $"entries must lie in 0..{m} (the key count); got [{string.Join(", ", KeyLengths)}]");
            }
        }

        return rules.Findings;
    }

    ProblemSize IAttentionProblem<T>.Measure(AttentionEngineOptions options) => Size(options);

    AttentionResult<T> IAttentionProblem<T>.Solve(AttentionEngine engine, CancellationToken cancellationToken) => engine.Solve(this, cancellationToken);

    /// <summary>What this problem costs. Call on a problem whose shapes are valid.</summary>
    private ProblemSize Size(AttentionEngineOptions options)
    {
        long batch = Query.Rank == 3 ? Query.Dim(0) : 1;
        int n = Query.Dim(-2), e = Query.Dim(-1), m = Key.Dim(-2), heads = Math.Max(NumHeads, 1), hd = e / heads;
        var headWeights = ComputesWeights ? batch * heads * n * m : 0;
        var keyLengthMask = KeyLengths is null ? 0 : batch * n * m;
        var packedKeys = ProblemSize.PackedKeys(options.MaxDegreeOfParallelism, m, hd);
        var packedValues = ProblemSize.PackedValues(batch * heads, m, hd);
        var (largest, name) = ProblemSize.Largest(
            ("the projected queries and the output, B·n·e", batch * n * e),
            ("the projected keys and values, B·m·e", batch * m * e),
            ("the weights per head, B·numHeads·n·m", headWeights),
            ("the key-length mask, B·n·m", keyLengthMask),
            ("a packed key tile", ProblemSize.PackedKeyTile(m, hd)),
            ("the packed values", packedValues));
        long inputs = Query.Length + Key.Length + Value.Length + QProjWeight.Length + KProjWeight.Length + VProjWeight.Length + OutProjWeight.Length
            + (QProjBias?.Length ?? 0) + (KProjBias?.Length ?? 0) + (VProjBias?.Length ?? 0) + (OutProjBias?.Length ?? 0) + (Bias?.Length ?? 0);

        // Projections and their per-head copies (2 each), the attended heads, their concatenation and the output (3),
        // one transposed projection weight at a time, and the weights per head plus the averaged (or copied) answer.
        var projections = (2 * batch * n * e) + (4 * batch * m * e) + (3 * batch * n * e) + ((long)e * Math.Max(e, Math.Max(Key.Dim(-1), Value.Dim(-1))));
        var weights = headWeights + (!ComputesWeights ? 0 : AverageWeights ? batch * n * m : headWeights);
        var elements = inputs + projections + weights + packedKeys + packedValues + ProblemSize.Tiles(options.MaxDegreeOfParallelism, m, hd, hd);
        var bytes = (elements * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + (Mask?.Length ?? 0) + keyLengthMask;
        var scores = batch * heads * n * m;
        var returned = ReturnWeights && Variants?.WeightsTopK is null ? scores : 0;
        return new ProblemSize(scores, returned, largest, name, 0, () => $"query {TensorData.Format(Query.Shape)}, key {TensorData.Format(Key.Shape)}, {NumHeads} heads", bytes);
    }
}
