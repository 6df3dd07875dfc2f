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
        public int A => Va?.Length ?? 0;
    }

    public static (double[] Output, double[] Weights) Attend(Case c)
    {
        var output = new double[c.B * c.H * c.N * c.Dv];
        var weights = new double[c.B * c.H * c.N * c.M];
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
                    for (var j = 0; j < c.M; j++)
                    {
                        var k = Row(c.K, ((((b * c.Hkv) + kvh) * c.M) + j) * c.Dk, c.Dk);
                        var allowed = !(c.Causal && j > i);
                        var cell = c.MaskIsBroadcast ? (i * c.M) + j : ((((b * c.H) + h) * c.N + i) * c.M) + j;
                        if (c.Mask is not null && !c.Mask[cell])
                        {
                            allowed = false;
                        }

                        var biasCell = c.BiasIsBroadcast ? (i * c.M) + j : ((((b * c.H) + h) * c.N + i) * c.M) + j;
                        s[j] = allowed ? (scale * Score(c, q, k)) + (c.Bias?[biasCell] ?? 0) : double.NegativeInfinity;
                        max = Math.Max(max, s[j]);
                    }

                    if (double.IsNegativeInfinity(max))
                    {
                        continue; // fully masked: zeros
                    }

                    var total = 0.0;
                    for (var j = 0; j < c.M; j++)
                    {
                        s[j] = Math.Exp(s[j] - max);
                        total += s[j];
                    }

                    for (var j = 0; j < c.M; j++)
                    {
                        var a = s[j] / total;
                        weights[((((b * c.H) + h) * c.N + i) * c.M) + j] = a;
                        for (var x = 0; x < c.Dv; x++)
                        {
                            output[((((b * c.H) + h) * c.N + i) * c.Dv) + x] += a * c.V[((((b * c.Hkv) + kvh) * c.M + j) * c.Dv) + x];
                        }
                    }
                }
            }
        }

        return (output, weights);
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
                    var hidden = 0.0;
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
