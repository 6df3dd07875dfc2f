namespace AttentionService.Engine.Tests;

/// <summary>
/// A deliberately plain float64 port of the spec's reference.py: loops, no tiling, no vectors, so it shares no code
/// (and no bugs) with the engine. Tensors are rank 4 here; rank 2 and 3 are the B = H = 1 cases.
/// </summary>
internal static class Reference
{
    public sealed record Case(int B, int H, int Hkv, int N, int M, int Dq, int Dk, int Dv)
    {
        public double[] Q { get; init; } = [];
        public double[] K { get; init; } = [];
        public double[] V { get; init; } = [];
        public Scoring Scoring { get; init; } = Scoring.ScaledDot;
        public double? Scale { get; init; }
        public bool Causal { get; init; }
        public bool[]? Mask { get; init; }   // [B, H, N, M] or [N, M] when MaskIsBroadcast
        public bool MaskIsBroadcast { get; init; }
        public double[]? Bias { get; init; }
        public bool BiasIsBroadcast { get; init; }
        public double[]? W { get; init; }
        public double[]? Wq { get; init; }
        public double[]? Wk { get; init; }
        public double[]? Va { get; init; }
        public double[]? Ba { get; init; }   // additive: the bias inside tanh
        public int A => Va?.Length ?? 0;
        public bool BottomRight { get; init; }
        public (int Left, int Right)? Window { get; init; }
        public double? Softcap { get; init; }
        public bool Alibi { get; init; }
    }

    /// <summary>reference.py's attend_full: every result one request can ask for, rows laid out [B, H, N].</summary>
    public sealed record Full(double[] Output, double[] Weights, double[] LogSumExp, double[] Entropy, int MaskedRows, double MaxAbsScore);

    public static (double[] Output, double[] Weights) Attend(Case c)
    {
        var full = AttendFull(c);
        return (full.Output, full.Weights);
    }

    public static Full AttendFull(Case c)
    {
        var output = new double[c.B * c.H * c.N * c.Dv];
        var weights = new double[c.B * c.H * c.N * c.M];
        var lse = new double[c.B * c.H * c.N];
        var entropy = new double[c.B * c.H * c.N];
        var maskedRows = 0;
        var maxAbs = 0.0;
        var slopes = AlibiSlopes(c.H);
        var scale = c.Scale ?? (c.Scoring == Scoring.ScaledDot ? 1.0 / Math.Sqrt(c.Dq) : 1.0);
        var s = new double[c.M];
        for (var b = 0; b < c.B; b++)
        {
            for (var h = 0; h < c.H; h++)
            {
                var kvh = h / (c.H / c.Hkv);
                for (var i = 0; i < c.N; i++)
                {
                    var q = Row(c.Q, ((((b * c.H) + h) * c.N) + i) * c.Dq, c.Dq);
                    var max = double.NegativeInfinity;
                    var pos = i + (c.BottomRight ? c.M - c.N : 0);
                    var row = (((b * c.H) + h) * c.N) + i;
                    for (var j = 0; j < c.M; j++)
                    {
                        var k = Row(c.K, ((((b * c.Hkv) + kvh) * c.M) + j) * c.Dk, c.Dk);
                        var allowed = !(c.Causal && j > pos);
                        if (c.Window is var (left, right) && ((left >= 0 && j < pos - left) || (right >= 0 && j > pos + right)))
                        {
                            allowed = false;
                        }

                        var cell = c.MaskIsBroadcast ? (i * c.M) + j : ((((b * c.H) + h) * c.N + i) * c.M) + j;
                        if (c.Mask is not null && !c.Mask[cell])
                        {
                            allowed = false;
                        }

                        var biasCell = c.BiasIsBroadcast ? (i * c.M) + j : ((((b * c.H) + h) * c.N + i) * c.M) + j;
                        var score = scale * Score(c, q, k);
                        if (c.Softcap is { } cap)
                        {
                            score = cap * Math.Tanh(score / cap);
                        }

                        score += (c.Bias?[biasCell] ?? 0) - (c.Alibi ? slopes[h] * Math.Abs(pos - j) : 0);
                        s[j] = allowed ? score : double.NegativeInfinity;
                        if (allowed)
                        {
                            maxAbs = Math.Max(maxAbs, Math.Abs(score));
                        }

                        max = Math.Max(max, s[j]);
                    }

                    if (double.IsNegativeInfinity(max))
                    {
                        lse[row] = double.NegativeInfinity;
                        maskedRows++;
                        continue; // fully masked: zeros
                    }

                    var total = 0.0;
                    for (var j = 0; j < c.M; j++)
                    {
                        s[j] = Math.Exp(s[j] - max);
                        total += s[j];
                    }

                    lse[row] = max + Math.Log(total);
                    for (var j = 0; j < c.M; j++)
                    {
                        var a = s[j] / total;
                        entropy[row] -= a > 0 ? a * Math.Log(a) : 0;
                        weights[((((b * c.H) + h) * c.N + i) * c.M) + j] = a;
                        for (var x = 0; x < c.Dv; x++)
                        {
                            output[((((b * c.H) + h) * c.N + i) * c.Dv) + x] += a * c.V[((((b * c.Hkv) + kvh) * c.M + j) * c.Dv) + x];
                        }
                    }
                }
            }
        }

        return new Full(output, weights, lse, entropy, maskedRows, maxAbs);
    }

    /// <summary>reference.py's alibi_slopes (the paper's get_slopes).</summary>
    public static double[] AlibiSlopes(int heads)
    {
        static double[] PowerOf2(int n)
        {
            var start = Math.Pow(2, -Math.Pow(2, -(Math.Log2(n) - 3)));
            return Enumerable.Range(0, n).Select(i => start * Math.Pow(start, i)).ToArray();
        }

        if (Math.Log2(heads) % 1 == 0)
        {
            return PowerOf2(heads);
        }

        var closest = (int)Math.Pow(2, Math.Floor(Math.Log2(heads)));
        return [.. PowerOf2(closest), .. AlibiSlopes(2 * closest).Where((_, i) => i % 2 == 0).Take(heads - closest)];
    }

    /// <summary>reference.py's top_k: each row's k largest weights, largest first, ties by lower key index.</summary>
    public static (int[] Indices, double[] Values) TopK(double[] weights, int m, int k)
    {
        var rows = weights.Length / m;
        var indices = new int[rows * k];
        var values = new double[rows * k];
        for (var r = 0; r < rows; r++)
        {
            var order = Enumerable.Range(0, m).OrderByDescending(j => weights[(r * m) + j]).ThenBy(j => j).Take(k).ToArray();
            for (var x = 0; x < k; x++)
            {
                indices[(r * k) + x] = order[x];
                values[(r * k) + x] = weights[(r * m) + order[x]];
            }
        }

        return (indices, values);
    }

    /// <summary>reference.py's merge of partial answers over disjoint key shards: (output [rows, dv], lse [rows]).</summary>
    public static (double[] Output, double[] LogSumExp) Merge(IReadOnlyList<(double[] Output, double[] LogSumExp)> partials, int dv)
    {
        var rows = partials[0].LogSumExp.Length;
        var output = new double[rows * dv];
        var lse = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            var top = partials.Max(p => p.LogSumExp[r]);
            var baseline = double.IsFinite(top) ? top : 0;
            var total = partials.Sum(p => Math.Exp(p.LogSumExp[r] - baseline));
            for (var x = 0; x < dv; x++)
            {
                output[(r * dv) + x] = total > 0 ? partials.Sum(p => Math.Exp(p.LogSumExp[r] - baseline) * p.Output[(r * dv) + x]) / total : 0;
            }

            lse[r] = total > 0 ? Math.Log(total) + baseline : double.NegativeInfinity;
        }

        return (output, lse);
    }

    private static double[] Row(double[] data, int offset, int length) => data.AsSpan(offset, length).ToArray();

    private static double Score(Case c, double[] q, double[] k)
    {
        switch (c.Scoring)
        {
            case Scoring.Cosine:
                return Dot(q, k) / (Math.Max(Norm(q), 1e-8) * Math.Max(Norm(k), 1e-8));
            case Scoring.Pearson:
                var qc = Center(q);
                var kc = Center(k);
                return Dot(qc, kc) / (Math.Max(Norm(qc), 1e-8) * Math.Max(Norm(kc), 1e-8));
            case Scoring.General:
                var total = 0.0;
                for (var x = 0; x < c.Dq; x++)
                {
                    for (var y = 0; y < c.Dk; y++)
                    {
                        total += q[x] * c.W![(x * c.Dk) + y] * k[y];
                    }
                }

                return total;
            case Scoring.Additive:
                var score = 0.0;
                for (var a = 0; a < c.A; a++)
                {
                    var hidden = c.Ba?[a] ?? 0.0;
                    for (var x = 0; x < c.Dq; x++)
                    {
                        hidden += c.Wq![(a * c.Dq) + x] * q[x];
                    }

                    for (var y = 0; y < c.Dk; y++)
                    {
                        hidden += c.Wk![(a * c.Dk) + y] * k[y];
                    }

                    score += c.Va![a] * Math.Tanh(hidden);
                }

                return score;
            default:
                return Dot(q, k);
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        var total = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));

    private static double[] Center(double[] a)
    {
        var mean = a.Average();
        return a.Select(x => x - mean).ToArray();
    }
}
