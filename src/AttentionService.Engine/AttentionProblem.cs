using System.Numerics;

namespace AttentionService.Engine;

/// <summary>
/// One attention problem: <c>softmax(scale · score(Q, K) + bias, masked) · V</c> over tensors of rank 2
/// (<c>[n, d]</c>), 3 (<c>[batch, n, d]</c>) or 4 (<c>[batch, heads, n, d]</c>). Rank-4 key and value may have
/// fewer heads than the query when they divide it (grouped-query attention).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>: the precision of the computation.</typeparam>
public sealed class AttentionProblem<T> : IAttentionProblem<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Query rows, <c>[..., n, dq]</c>.</summary>
    public required TensorData<T> Query { get; init; }

    /// <summary>Key rows, <c>[..., m, dk]</c>; <c>dk == dq</c> except for general and additive scoring.</summary>
    public required TensorData<T> Key { get; init; }

    /// <summary>Value rows, <c>[..., m, dv]</c>.</summary>
    public required TensorData<T> Value { get; init; }

    /// <summary>How a query row and a key row are compared.</summary>
    public Scoring Scoring { get; init; } = Scoring.ScaledDot;

    /// <summary>Multiplies every score; <c>null</c> means <see cref="ScoringInfo.DefaultScaleFor"/>.</summary>
    public double? Scale { get; init; }

    /// <summary>Query <c>i</c> attends key <c>j</c> only when <c>j &lt;= i</c>.</summary>
    public bool Causal { get; init; }

    /// <summary>Which keys each query may attend (<c>true</c> = may), <c>[n, m]</c> or <c>[..., n, m]</c>.</summary>
    public TensorData<bool>? Mask { get; init; }

    /// <summary>Added to the scaled scores, <c>[n, m]</c> or <c>[..., n, m]</c>.</summary>
    public TensorData<T>? Bias { get; init; }

    /// <summary>The <c>[dq, dk]</c> matrix of general (multiplicative) scoring.</summary>
    public TensorData<T>? W { get; init; }

    /// <summary>The <c>[a, dq]</c> query projection of additive scoring.</summary>
    public TensorData<T>? Wq { get; init; }

    /// <summary>The <c>[a, dk]</c> key projection of additive scoring.</summary>
    public TensorData<T>? Wk { get; init; }

    /// <summary>The <c>[a]</c> output vector of additive scoring.</summary>
    public TensorData<T>? V { get; init; }

    /// <summary>The optional <c>[a]</c> bias inside additive scoring's tanh: <c>vᵀ tanh(Wq q + Wk k + b)</c>.</summary>
    public TensorData<T>? B { get; init; }

    /// <summary>The mask language (alignment, window, softcap, ALiBi) and the extra results asked for.</summary>
    public AttentionVariants Variants { get; init; } = AttentionVariants.None;

    /// <summary>Whether the <c>[..., n, m]</c> weights are computed and returned.</summary>
    public bool ReturnWeights { get; init; } = true;

    IReadOnlyList<ProblemFinding> IAttentionProblem<T>.Validate(AttentionEngineOptions limits)
    {
        var rules = new ShapeRules();
        var ok = rules.Tensor(ProblemPart.Query, Query, 2, 4) & rules.Tensor(ProblemPart.Key, Key, 2, 4) & rules.Tensor(ProblemPart.Value, Value, 2, 4);
        if (Scale is { } scale && !(double.IsFinite(scale) && scale > 0))
        {
            rules.Fail(ProblemPart.Scale, $"must be a finite number > 0; it is {scale}");
        }
        else if (Scale is { } given && !(T.IsFinite(T.CreateTruncating(given)) && T.CreateTruncating(given) > T.Zero))
        {
            rules.Fail(ProblemPart.Scale, $"{given} is not representable in {(typeof(T) == typeof(float) ? "float32" : "float64")} (it would become 0 or infinity); send \"precision\": \"float64\" or a smaller scale");
        }

        if (!ok)
        {
            return rules.Findings;
        }

        int rank = Query.Rank, n = Query.Dim(-2), dq = Query.Dim(-1), m = Key.Dim(-2), dk = Key.Dim(-1);
        if (Key.Rank != rank || Value.Rank != rank)
        {
            var (part, other) = Key.Rank != rank ? (ProblemPart.Key, Key) : (ProblemPart.Value, Value);
            rules.Fail(part, $"is nested {other.Rank} deep but query {rank} deep; query, key and value need the same rank (query {TensorData.Format(Query.Shape)}, {part.ToString().ToLowerInvariant()} {TensorData.Format(other.Shape)})");
            return rules.Findings;
        }

        if (rank >= 3 && (Key.Dim(0) != Query.Dim(0) || Value.Dim(0) != Query.Dim(0)))
        {
            var (part, batch) = Key.Dim(0) != Query.Dim(0) ? (ProblemPart.Key, Key.Dim(0)) : (ProblemPart.Value, Value.Dim(0));
            rules.Fail(part, $"has batch size {batch} but query {Query.Dim(0)}; batch sizes must match");
        }

        if (rank == 4)
        {
            int hq = Query.Dim(1), hk = Key.Dim(1);
            if (hq % hk != 0)
            {
                rules.Fail(ProblemPart.Key, $"has {hk} heads, which does not divide the query's {hq} heads (grouped-query attention needs query heads = k x key heads)");
            }

            if (Value.Dim(1) != hk)
            {
                rules.Fail(ProblemPart.Value, $"has {Value.Dim(1)} heads but key {hk}; key and value need the same heads");
            }
        }

        if (Value.Dim(-2) != m)
        {
            rules.Fail(ProblemPart.Value, $"has {Value.Dim(-2)} rows but key has {m}; each key row needs one value row");
        }

        var name = ScoringInfo.NameOf(Scoring);
        if (Scoring is not (Scoring.General or Scoring.Additive) && dk != dq)
        {
            rules.Fail(ProblemPart.Key, $"rows have {dk} numbers but query rows have {dq}; {name} compares rows of equal length (query {TensorData.Format(Query.Shape)}, key {TensorData.Format(Key.Shape)})");
        }

        if (Scoring == Scoring.General)
        {
            rules.Shape(ProblemPart.W, W, [dq, dk], $"general scoring needs w of shape [dq, dk] = [{dq}, {dk}]");
        }
        else if (Scoring == Scoring.Additive)
        {
            var a = Wq is { Rank: 2 } ? Wq.Dim(0) : Wk is { Rank: 2 } ? Wk.Dim(0) : V is { Rank: 1 } ? V.Dim(0) : 0;
            if (a == 0)
            {
                rules.Fail(ProblemPart.ScoringParameters, $"additive scoring needs wq [a, {dq}], wk [a, {dk}] and v [a]");
            }
            else
            {
                rules.Shape(ProblemPart.Wq, Wq, [a, dq], $"[a, dq]: a = {a} hidden units by the query's {dq}");
                rules.Shape(ProblemPart.Wk, Wk, [a, dk], $"[a, dk]: a = {a} hidden units by the key's {dk}");
                rules.Shape(ProblemPart.V, V, [a], $"[a]: one weight per hidden unit, a = {a}");
                if (B is not null)
                {
                    rules.Shape(ProblemPart.B, B, [a], $"[a]: one bias per hidden unit, a = {a}");
                }
            }
        }

        if (Scoring != Scoring.Additive && B is not null)
        {
            rules.Fail(ProblemPart.B, $"is the bias inside additive scoring's tanh; {name} scoring has none");
        }

        (Variants ?? AttentionVariants.None).Validate(rules, m);
        var leading = Query.Shape[..^2];
        rules.Broadcastable(ProblemPart.Mask, Mask, leading, n, m);
        rules.Broadcastable(ProblemPart.Bias, Bias, leading, n, m);
        if (rules.Ok)
        {
            Size(limits).Check(rules, limits);
        }

        return rules.Findings;
    }

    ProblemSize IAttentionProblem<T>.Measure(AttentionEngineOptions options) => Size(options);

    /// <summary>Whether the dense weights are computed: asked for, and not replaced by the top-k.</summary>
    internal bool ReturnsWeights => ReturnWeights && Variants?.WeightsTopK is null;

    AttentionResult<T> IAttentionProblem<T>.Solve(AttentionEngine engine, CancellationToken cancellationToken) => engine.Solve(this, cancellationToken);

    /// <summary>What this problem costs. Call on a problem whose shapes are valid.</summary>
    private ProblemSize Size(AttentionEngineOptions options)
    {
        long rows = Query.Length / Query.Dim(-1), keyRows = Key.Length / Key.Dim(-1);
        int n = Query.Dim(-2), m = Key.Dim(-2), dq = Query.Dim(-1), dk = Key.Dim(-1), dv = Value.Dim(-1);
        var groups = rows / n; // B·H
        var kvHeads = keyRows / m; // B·Hkv
        var a = Scoring == Scoring.Additive && V is not null ? V.Length : 0;
        var d = Scoring == Scoring.Additive ? a : Scoring == Scoring.General ? dk : dq;
        var preparedQueries = Scoring is Scoring.Cosine or Scoring.Pearson or Scoring.General or Scoring.Additive ? rows * d : 0;
        var preparedKeys = Scoring is Scoring.Cosine or Scoring.Pearson or Scoring.Additive ? keyRows * d : 0;
        var packedKeys = Scoring == Scoring.Additive ? 0 : ProblemSize.PackedKeys(options.MaxDegreeOfParallelism, m, d);
        var packedValues = ProblemSize.PackedValues(kvHeads, m, dv);
        var weights = ReturnsWeights ? rows * m : 0;
        var topK = rows * (Variants?.WeightsTopK ?? 0);
        var (largest, name) = ProblemSize.Largest(
            ("the output, B·H·n·dv", rows * dv),
            ("the weights, B·H·n·m", weights),
            ("the top-k weights, B·H·n·k", topK),
            ("the prepared queries", preparedQueries),
            ("the prepared keys", preparedKeys),
            ("a packed key tile", Scoring == Scoring.Additive ? 0 : ProblemSize.PackedKeyTile(m, d)),
            ("the packed values", packedValues));
        long inputs = Query.Length + Key.Length + Value.Length + (Bias?.Length ?? 0) + (W?.Length ?? 0) + (Wq?.Length ?? 0) + (Wk?.Length ?? 0) + (V?.Length ?? 0);
        var transposed = Scoring == Scoring.Additive ? (long)a * Math.Max(dq, dk) : 0;
        var elements = inputs + (rows * dv) + weights + (2 * topK) + preparedQueries + preparedKeys + packedKeys + packedValues + transposed
            + ProblemSize.Tiles(options.MaxDegreeOfParallelism, m, d, dv);
        var bytes = (elements * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + (Mask?.Length ?? 0);
        var scores = groups * n * m;
        return new ProblemSize(scores, ReturnsWeights ? scores : 0, largest, name, a, () => $"query {TensorData.Format(Query.Shape)}, key {TensorData.Format(Key.Shape)}", bytes);
    }
}
