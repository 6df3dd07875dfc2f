namespace AttentionService.Benchmarks;

/// <summary>One shape's random inputs, <c>[B, H, S, D]</c>, the same numbers for the engine and its peers.</summary>
internal sealed class Inputs
{
    public Inputs(int b, int h, int n, int m, int d)
    {
        (B, H, N, M, D) = (b, h, n, m, d);
        var rng = new Random(0);
        Q = Fill(rng, b * h * n * d);
        K = Fill(rng, b * h * m * d);
        V = Fill(rng, b * h * m * d);
    }

    public int B { get; }
    public int H { get; }
    public int N { get; }
    public int M { get; }
    public int D { get; }
    public float[] Q { get; }
    public float[] K { get; }
    public float[] V { get; }

    /// <summary><c>[B, H, S, D]</c> to <c>[B, S, H·D]</c>, the contrib operators' layout.</summary>
    public float[] HeadsLast(float[] x, int rows)
    {
        var y = new float[x.Length];
        for (var b = 0; b < B; b++)
        {
            for (var h = 0; h < H; h++)
            {
                for (var s = 0; s < rows; s++)
                {
                    x.AsSpan((((b * H) + h) * rows + s) * D, D).CopyTo(y.AsSpan((((b * rows) + s) * H + h) * D, D));
                }
            }
        }

        return y;
    }

    private static float[] Fill(Random rng, int length)
    {
        var x = new float[length];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return x;
    }
}
