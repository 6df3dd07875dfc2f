using AttentionService.Engine.Kernels;

namespace AttentionService.Engine.Tests;

/// <summary>
/// The decode kernel (up to <see cref="DecodeKernel{T, TVec, TOps}.MaxRows"/> query rows per head, keys and values
/// streamed unpacked) on every path and precision, against the float64 reference, with every option it must honour.
/// </summary>
public class DecodeTests
{
    private const int MaxRows = DecodeKernel<float, float, SimdScalar<float>>.MaxRows;

    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void FewQueries_EveryOption_MatchReference(KernelPath path, Precision precision)
    {
        var rng = new Random(41);
        foreach (var threads in new[] { 1, 2 })
        {
            var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = threads });
            // Sizes cross every SIMD tail (d, dv not multiples of any width; m ragged against 4-key blocks and 512-key tiles).
            foreach (var (n, m, d, dv) in new[] { (1, 1, 1, 1), (1, 7, 17, 33), (2, 513, 64, 64), (3, 1100, 24, 20), (MaxRows, 1030, 130, 70) })
            {
                for (var variant = 0; variant < 6; variant++)
                {
                    var (h, hkv) = variant == 5 ? (4, 2) : (2, 2); // variant 5: grouped-query heads share keys and values
                    var c = new Reference.Case(2, h, hkv, n, m, d, d, dv)
                    {
                        Q = TestProblems.Random(rng, 2 * h * n * d),
                        K = TestProblems.Random(rng, 2 * hkv * m * d),
                        V = TestProblems.Random(rng, 2 * hkv * m * dv),
                        Causal = variant is 1 or 4,
                        Mask = variant is 2 or 4 ? TestProblems.RandomMask(rng, n * m, 0.4) : null,
                        MaskIsBroadcast = true,
                        Bias = variant is 3 or 4 ? TestProblems.Random(rng, 2 * h * n * m, 3) : null,
                        Scale = variant == 3 ? 0.9 : null,
                    };
                    var label = $"threads={threads} n={n} m={m} d={d} dv={dv} variant={variant}";
                    TestProblems.Check(engine, c, rank: 4, precision, returnWeights: true, label);
                    TestProblems.Check(engine, c, rank: 4, precision, returnWeights: false, $"{label} no weights");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void OneHead_KeysSplitAcrossThreads_MaskedRangesMergeToTheReference(KernelPath path, Precision precision)
    {
        // One head, two threads: the keys are split into ranges merged by log-sum-exp; some ranges see no allowed key.
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = 2 });
        var rng = new Random(42);
        const int n = 2, m = 4001, d = 250, dv = 200; // over 4 MFLOP, so not run inline
        var mask = TestProblems.RandomMask(rng, n * m, 0.5);
        Array.Fill(mask, false, 0, m);          // row 0 sees nothing: zeros
        Array.Fill(mask, false, m + 300, m - 300); // row 1 sees only the first range
        var c = new Reference.Case(1, 1, 1, n, m, d, d, dv)
        {
            Q = TestProblems.Random(rng, n * d, 4),
            K = TestProblems.Random(rng, m * d),
            V = TestProblems.Random(rng, m * dv),
            Mask = mask,
            MaskIsBroadcast = true,
        };
        TestProblems.Check(engine, c, rank: 2, precision, returnWeights: false, "split with masked ranges");
        TestProblems.Check(engine, c with { Mask = null }, rank: 2, precision, returnWeights: false, "split");
        TestProblems.Check(engine, c with { Mask = null, Causal = true }, rank: 2, precision, returnWeights: false, "split causal");
    }

    [Theory]
    [MemberData(nameof(TestProblems.Paths), MemberType = typeof(TestProblems))]
    public void FewQueries_OverflowWhereAllowed_IsReported_AndWhereMaskedIgnored(KernelPath path)
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path });
        var k = new float[] { 1f, 1f, 3e19f, 1f };
        AttentionProblem<float> Problem(bool[]? mask) => new()
        {
            Query = TensorData.Wrap(new float[] { 3e19f, 1f }, 1, 2),
            Key = TensorData.Wrap(k, 2, 2),
            Value = TensorData.Wrap(new float[] { 1f, 2f, 3f, 4f }, 2, 2),
            Scale = 1,
            Mask = mask is null ? null : TensorData.Wrap(mask, 1, 2),
        };

        Should.Throw<AttentionOverflowException>(() => engine.Compute(Problem(null)));
        using var result = engine.Compute(Problem([true, false]));
        result.Output.Span.ToArray().ShouldBe([1f, 2f]);
    }

    [Fact]
    public void FewQueries_Cancelled_Throws()
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = 1 });
        var x = TensorData.Wrap(new float[4096 * 64], 1, 4, 1024, 64);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Should.Throw<OperationCanceledException>(() => engine.Compute(
            new AttentionProblem<float> { Query = TensorData.Wrap(new float[4 * 64], 1, 4, 1, 64), Key = x, Value = x }, cts.Token));
    }
}
