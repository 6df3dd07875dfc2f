namespace AttentionService.Engine.Tests;

/// <summary>Multi-head attention against projections written out by hand around the reference attention.</summary>
public class MultiheadTests
{
    internal static double[] Linear(double[] x, double[] w, double[]? b, int rows, int inDim, int outDim)
    {
        var y = new double[rows * outDim];
        for (var r = 0; r < rows; r++)
        {
            for (var o = 0; o < outDim; o++)
            {
                var total = b?[o] ?? 0;
                for (var i = 0; i < inDim; i++)
                {
                    total += x[(r * inDim) + i] * w[(o * inDim) + i];
                }

                y[(r * outDim) + o] = total;
            }
        }

        return y;
    }

    /// <summary>[B, rows, H*hd] to [B, H, rows, hd].</summary>
    internal static double[] Heads(double[] x, int batch, int rows, int heads, int hd)
    {
        var y = new double[x.Length];
        for (var b = 0; b < batch; b++)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var h = 0; h < heads; h++)
                {
                    for (var i = 0; i < hd; i++)
                    {
                        y[((((b * heads) + h) * rows + r) * hd) + i] = x[(((b * rows) + r) * heads * hd) + (h * hd) + i];
                    }
                }
            }
        }

        return y;
    }

    [Theory]
    [InlineData(true, 2, 4, 3, 5, 8, 6, 7, true)]
    [InlineData(true, 3, 4, 5, 6, 12, 12, 12, false)]
    [InlineData(false, 1, 2, 7, 7, 6, 3, 9, true)]
    public void Multihead_MatchesProjectedReference(bool batched, int batch, int heads, int n, int m, int e, int kdim, int vdim, bool average)
    {
        var rng = new Random(e);
        int hd = e / heads;
        var x = TestProblems.Random(rng, batch * n * e);
        var key = TestProblems.Random(rng, batch * m * kdim);
        var value = TestProblems.Random(rng, batch * m * vdim);
        double[] wq = TestProblems.Random(rng, e * e), wk = TestProblems.Random(rng, e * kdim), wv = TestProblems.Random(rng, e * vdim), wo = TestProblems.Random(rng, e * e);
        double[] bq = TestProblems.Random(rng, e), bk = TestProblems.Random(rng, e), bv = TestProblems.Random(rng, e), bo = TestProblems.Random(rng, e);
        var lengths = Enumerable.Range(0, batch).Select(b => b == 0 ? m : rng.Next(m + 1)).ToArray();

        var maskFull = new bool[batch * heads * n * m];
        for (var b = 0; b < batch; b++)
        {
            for (var h = 0; h < heads; h++)
            {
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < m; j++)
                    {
                        maskFull[((((b * heads) + h) * n + i) * m) + j] = j < lengths[b];
                    }
                }
            }
        }

        var c = new Reference.Case(batch, heads, heads, n, m, hd, hd, hd)
        {
            Q = Heads(Linear(x, wq, bq, batch * n, e, e), batch, n, heads, hd),
            K = Heads(Linear(key, wk, bk, batch * m, kdim, e), batch, m, heads, hd),
            V = Heads(Linear(value, wv, bv, batch * m, vdim, e), batch, m, heads, hd),
            Causal = true,
            Mask = maskFull,
        };
        var (attended, weights) = Reference.Attend(c);
        var concat = new double[batch * n * e];
        for (var b = 0; b < batch; b++)
        {
            for (var h = 0; h < heads; h++)
            {
                for (var i = 0; i < n; i++)
                {
                    for (var z = 0; z < hd; z++)
                    {
                        concat[(((b * n) + i) * e) + (h * hd) + z] = attended[((((b * heads) + h) * n + i) * hd) + z];
                    }
                }
            }
        }

        var expectedOutput = Linear(concat, wo, bo, batch * n, e, e);
        var expectedWeights = average
            ? Enumerable.Range(0, batch * n * m).Select(idx => Enumerable.Range(0, heads).Average(h => weights[((((idx / (n * m)) * heads) + h) * n * m) + (idx % (n * m))])).ToArray()
            : weights;

        int[] Shape(params int[] inner) => batched ? [batch, .. inner] : inner;
        var problem = new MultiheadProblem<double>
        {
            Query = TensorData.Wrap(x, Shape(n, e)),
            Key = TensorData.Wrap(key, Shape(m, kdim)),
            Value = TensorData.Wrap(value, Shape(m, vdim)),
            NumHeads = heads,
            QProjWeight = TensorData.Wrap(wq, e, e),
            KProjWeight = TensorData.Wrap(wk, e, kdim),
            VProjWeight = TensorData.Wrap(wv, e, vdim),
            OutProjWeight = TensorData.Wrap(wo, e, e),
            QProjBias = TensorData.Wrap(bq, e),
            KProjBias = TensorData.Wrap(bk, e),
            VProjBias = TensorData.Wrap(bv, e),
            OutProjBias = TensorData.Wrap(bo, e),
            Causal = true,
            KeyLengths = lengths,
            AverageWeights = average,
        };

        using var result = new AttentionEngine().Compute(problem);

        result.Output.ShapeArray().ShouldBe(Shape(n, e));
        result.Weights!.ShapeArray().ShouldBe(average ? Shape(n, m) : Shape(heads, n, m));
        TestProblems.ShouldMatch<double>(result.Output.Span, expectedOutput, Precision.Float64, "output");
        TestProblems.ShouldMatch<double>(result.Weights.Span, expectedWeights, Precision.Float64, "weights");
    }

    [Fact]
    public void Validate_EmbeddingNotDivisibleByHeads_IsRefused()
    {
        var eye = TensorData.Wrap(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 3, 3);
        var row = TensorData.Wrap(new float[] { 1, 2, 3 }, 1, 3);
        var problem = new MultiheadProblem<float>
        {
            Query = row, Key = row, Value = row, NumHeads = 2,
            QProjWeight = eye, KProjWeight = eye, VProjWeight = eye, OutProjWeight = eye,
        };

        new AttentionEngine().Validate(problem).ShouldHaveSingleItem().Part.ShouldBe(ProblemPart.NumHeads);
    }

    [Fact]
    public void OutputProjectionBeyondFloat32_IsReportedAsOverflow()
    {
        var row = TensorData.Wrap(new float[] { 1, 1 }, 1, 2);
        var eye = TensorData.Wrap(new float[] { 1, 0, 0, 1 }, 2, 2);
        var huge = TensorData.Wrap(new float[] { 3e38f, 3e38f, 3e38f, 3e38f }, 2, 2);
        var problem = new MultiheadProblem<float>
        {
            Query = row, Key = row, Value = row, NumHeads = 1,
            QProjWeight = eye, KProjWeight = eye, VProjWeight = eye, OutProjWeight = huge,
        };

        Should.Throw<AttentionOverflowException>(() => new AttentionEngine().Compute(problem));
    }
}
