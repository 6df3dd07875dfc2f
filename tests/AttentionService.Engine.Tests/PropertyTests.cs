using System.Runtime.Intrinsics;
using AttentionService.Engine.Kernels;

namespace AttentionService.Engine.Tests;

/// <summary>Properties any attention must have, whatever the inputs.</summary>
public class PropertyTests
{
    private static AttentionResult<float> Run(AttentionEngine engine, int n, int m, int d, float[] q, float[] k, float[] v, bool[]? mask = null) =>
        engine.Compute(new AttentionProblem<float>
        {
            Query = TensorData.Wrap(q, n, d),
            Key = TensorData.Wrap(k, m, d),
            Value = TensorData.Wrap(v, m, d),
            Mask = mask is null ? null : TensorData.Wrap(mask, n, m),
        });

    private static float[] Floats(Random rng, int length, float spread = 1f) =>
        Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 2) - 1) * spread).ToArray();

    [Theory]
    [MemberData(nameof(TestProblems.Paths), MemberType = typeof(TestProblems))]
    public void WeightRows_SumToOne_ExceptFullyMaskedRowsWhichAreZero(KernelPath path)
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path });
        var rng = new Random(1);
        const int n = 37, m = 1100, d = 24;
        var mask = TestProblems.RandomMask(rng, n * m, 0.5);
        Array.Fill(mask, false, 5 * m, m); // row 5 sees nothing
        for (var i = 0; i < n; i++)
        {
            Array.Fill(mask, false, (i * m) + 512, 512); // no row sees the second key tile: it is skipped
        }
        using var result = Run(engine, n, m, d, Floats(rng, n * d), Floats(rng, m * d), Floats(rng, m * d), mask);
        for (var i = 0; i < n; i++)
        {
            var row = result.Weights!.Span.Slice(i * m, m).ToArray();
            if (i == 5)
            {
                row.ShouldAllBe(w => w == 0f);
                result.Output.Span.Slice(i * d, d).ToArray().ShouldAllBe(o => o == 0f);
            }
            else
            {
                row.Sum().ShouldBe(1f, 1e-5f);
                row.Where((w, j) => !mask[(i * m) + j]).ShouldAllBe(w => w == 0f);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestProblems.Paths), MemberType = typeof(TestProblems))]
    public void PermutingKeysAndValues_PermutesWeights_AndKeepsOutput(KernelPath path)
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path });
        var rng = new Random(2);
        const int n = 9, m = 140, d = 16;
        float[] q = Floats(rng, n * d), k = Floats(rng, m * d), v = Floats(rng, m * d);
        var perm = Enumerable.Range(0, m).OrderBy(_ => rng.Next()).ToArray();
        var kp = new float[m * d];
        var vp = new float[m * d];
        for (var j = 0; j < m; j++)
        {
            k.AsSpan(perm[j] * d, d).CopyTo(kp.AsSpan(j * d));
            v.AsSpan(perm[j] * d, d).CopyTo(vp.AsSpan(j * d));
        }

        using var a = Run(engine, n, m, d, q, k, v);
        using var b = Run(engine, n, m, d, q, kp, vp);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < m; j++)
            {
                b.Weights!.Span[(i * m) + j].ShouldBe(a.Weights!.Span[(i * m) + perm[j]], 1e-6f);
            }
        }

        for (var x = 0; x < n * d; x++)
        {
            b.Output.Span[x].ShouldBe(a.Output.Span[x], 1e-5f);
        }
    }

    [Theory]
    [MemberData(nameof(TestProblems.Paths), MemberType = typeof(TestProblems))]
    public void LargeScores_DoNotOverflowTheSoftmax(KernelPath path)
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path });

        // Scores near 1e4 and 1e30: exp would overflow without subtracting the row max. float32 resolves a score of
        // 1e4 to about 1e-3, so its weights agree with the exact ones to that order; float64 agrees tightly.
        using var result = Run(engine, 1, 2, 1, [100f], [100f, 99.99f], [1f, 2f]);
        using var huge = Run(engine, 1, 2, 1, [1e15f], [1e15f, 1e15f], [1f, 2f]);
        using var exact = engine.Compute(new AttentionProblem<double>
        {
            Query = TensorData.Wrap(new[] { 100.0 }, 1, 1),
            Key = TensorData.Wrap(new[] { 100.0, 99.99 }, 2, 1),
            Value = TensorData.Wrap(new[] { 1.0, 2.0 }, 2, 1),
        });

        var w0 = 1 / (1 + Math.Exp(-(100 * 0.01)));
        result.Weights!.Span[0].ShouldBe((float)w0, 1e-3f);
        (result.Weights.Span[0] + result.Weights.Span[1]).ShouldBe(1f, 1e-6f);
        huge.Weights!.Span.ToArray().ShouldBe([0.5f, 0.5f]);
        huge.Output.Span[0].ShouldBe(1.5f);
        exact.Weights!.Span[0].ShouldBe(w0, 1e-12);
    }

    [Theory]
    [MemberData(nameof(TestProblems.Paths), MemberType = typeof(TestProblems))]
    public void ScoresBeyondFloat32_AreReportedAsOverflow(KernelPath path)
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path });
        Should.Throw<AttentionOverflowException>(() => Run(engine, 1, 2, 2, [3e19f, 3e19f], [3e19f, 3e19f, -3e19f, 3e19f], [1f, 1f, 1f, 1f]))
            .Message.ShouldContain("float64");
    }

    /// <summary>
    /// Values whose weighted sum leaves float32 (equal weights, so the unnormalized sum is m times the value) are reported
    /// on every kernel that writes outputs: query tiles, the decode path, and key ranges merged across two workers
    /// (4 ranges of 1024 keys, each sum 1e38 and finite, the merged one beyond range).
    /// </summary>
    [Theory]
    [InlineData(100, 1100, 16, 1, 5e35f)]
    [InlineData(1, 1100, 16, 1, 5e35f)]
    [InlineData(1, 4096, 256, 2, 1e35f)]
    public void OutputsBeyondFloat32_AreReportedAsOverflow(int n, int m, int d, int threads, float value)
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = threads });
        AttentionProblem<float> Problem(float v) => new()
        {
            Query = TensorData.Wrap(new float[n * d], 1, n, d),
            Key = TensorData.Wrap(new float[m * d], 1, m, d),
            Value = TensorData.Wrap(Enumerable.Repeat(v, m * d).ToArray(), 1, m, d),
            ReturnWeights = false, // weights keep rows whole: no key ranges to merge
        };

        Should.Throw<AttentionOverflowException>(() => engine.Compute(Problem(value)));
        using var fine = engine.Compute(Problem(1e34f)); // at most 4.1e37 unnormalized: within range
        fine.Output.Span.ToArray().Max(x => Math.Abs((x / 1e34) - 1)).ShouldBeLessThan(1e-4); // m rounded additions
    }

    private static AttentionResult<T> Dot<T>(T[] q, T[] k, T[] v, int m, bool[]? mask = null, T[]? bias = null, double? scale = null)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T> =>
        new AttentionEngine().Compute(new AttentionProblem<T>
        {
            Query = TensorData.Wrap(q, 1, 1),
            Key = TensorData.Wrap(k, m, 1),
            Value = TensorData.Wrap(v, m, 1),
            Scoring = Scoring.Dot,
            Mask = mask is null ? null : TensorData.Wrap(mask, 1, m),
            Bias = bias is null ? null : TensorData.Wrap(bias, 1, m),
            Scale = scale,
        });

    [Fact]
    public void NegativeOverflowWhereAllowed_IsAnOverflow_NotAMask()
    {
        // q·k = -1e40: -inf in float32. Reading it as "masked" would answer zeros; float64 says the weight is 1.
        Should.Throw<AttentionOverflowException>(() => Dot([1e20f], [-1e20f], [5f], 1));
        using var exact = Dot([1e20], [-1e20], [5.0], 1);
        exact.Output.Span[0].ShouldBe(5.0);
    }

    [Fact]
    public void OverflowWhereMasked_IsIgnored()
    {
        using var result = Dot([1e20f], [-1e20f, 1f], [5f, 7f], 2, mask: [false, true]);
        result.Output.Span[0].ShouldBe(7f);
    }

    [Fact]
    public void ScoresAndBiasNearFloat32Max_AreComputed()
    {
        using var near = Dot([3e38f], [1f], [5f], 1);
        using var biased = Dot([1f], [1f, 1f], [5f, 7f], 2, bias: [-3e38f, -3e38f]);

        near.Output.Span[0].ShouldBe(5f);
        biased.Output.Span[0].ShouldBe(6f, 1e-5f);
        biased.Weights!.Span[0].ShouldBe(0.5f, 1e-6f);
    }

    [Fact]
    public void ScaleBeyondThePrecision_IsRefused()
    {
        var problem = new AttentionProblem<float> { Query = TensorData.Wrap(new float[] { 0 }, 1, 1), Key = TensorData.Wrap(new float[] { 0 }, 1, 1), Value = TensorData.Wrap(new float[] { 0 }, 1, 1), Scale = 1e300 };

        new AttentionEngine().Validate(problem).ShouldHaveSingleItem().Part.ShouldBe(ProblemPart.Scale);
    }

    [Fact]
    public void FastExp2_IsAccurateAcrossTheSoftmaxRange()
    {
        var worst512 = 0.0;
        var worst256 = 0.0;
        var worst128 = 0.0;
        for (var x = -126f; x <= 0f; x += 0.007f)
        {
            var exact = Math.Pow(2, x);
            worst512 = Math.Max(worst512, Math.Abs(Simd512<float>.Exp2(Vector512.Create(x)).GetElement(0) - exact) / exact);
            worst256 = Math.Max(worst256, Math.Abs(Simd256<float>.Exp2(Vector256.Create(x)).GetElement(0) - exact) / exact);
            worst128 = Math.Max(worst128, Math.Abs(Simd128<float>.Exp2(Vector128.Create(x)).GetElement(0) - exact) / exact);
        }

        worst512.ShouldBeLessThan(3e-7);
        worst256.ShouldBeLessThan(3e-7);
        worst128.ShouldBeLessThan(3e-7);
        Simd512<float>.Exp2(Vector512.Create(float.NegativeInfinity)).GetElement(0).ShouldBe(0f);
        Simd512<float>.Exp2(Vector512.Create(-151f)).GetElement(0).ShouldBe(0f);
        Simd512<float>.Exp2(Vector512.Create(float.MinValue)).GetElement(0).ShouldBe(0f);
        Simd512<double>.Exp2(Vector512.Create(double.NegativeInfinity)).GetElement(0).ShouldBe(0.0);
        Simd512<double>.Exp2(Vector512.Create(double.MinValue)).GetElement(0).ShouldBe(0.0);
        Simd512<double>.Exp2(Vector512.Create(-0.25)).GetElement(0).ShouldBe(Math.Pow(2, -0.25), 1e-15);
        Simd256<float>.Exp2(Vector256.Create(float.NegativeInfinity)).GetElement(0).ShouldBe(0f);
        Simd256<float>.Exp2(Vector256.Create(-200f)).GetElement(0).ShouldBe(0f);
        Simd128<float>.Exp2(Vector128.Create(float.NegativeInfinity)).GetElement(0).ShouldBe(0f);
    }
}
