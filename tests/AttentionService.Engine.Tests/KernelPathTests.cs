using AttentionService.Engine.Kernels;

namespace AttentionService.Engine.Tests;

/// <summary>Every kernel path against the float64 reference, across sizes that cover SIMD and tile tails.</summary>
public class KernelPathTests
{
    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void ScaledDot_SizesOneToSeventy_MatchReference(KernelPath path, Precision precision)
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = 1 });
        var rng = new Random(70);
        for (var size = 1; size <= 70; size++)
        {
            int n = size, m = ((size * 7) % 70) + 1, d = ((size * 13) % 70) + 1, dv = ((size * 5) % 70) + 1;
            var c = new Reference.Case(1, 1, 1, n, m, d, d, dv)
            {
                Q = TestProblems.Random(rng, n * d),
                K = TestProblems.Random(rng, m * d),
                V = TestProblems.Random(rng, m * dv),
                Causal = size % 3 == 0,
            };
            TestProblems.Check(engine, c, rank: 2, precision, returnWeights: size % 2 == 0, $"n={n} m={m} d={d} dv={dv}");
        }
    }

    [Fact]
    public void PackedQueries_AreScaledRowsInterleavedByBlocksOfEight()
    {
        // With AVX-512 whole 16-column blocks are transposed in registers and the rest element by element: both must give
        // [block][d][8], zero past the last row, and the largest magnitude packed (the overflow bound's input).
        var rng = new Random(8);
        foreach (var d in new[] { 1, 15, 16, 17, 40, 64, 80, 128 })
        {
            foreach (var rows in new[] { 1, 7, 8, 9, 20, 64 })
            {
                var padded = (rows + 7) / 8 * 8;
                var source = TestProblems.Random(rng, rows * d).Select(x => (float)x).ToArray();
                var packed = Enumerable.Repeat(float.NaN, padded * d).ToArray();
                var largest = MicroKernels<float, System.Runtime.Intrinsics.Vector512<float>, Simd512<float>>.PackQueries(source, packed, rows, padded, d, 0.125f);
                largest.ShouldBe(source.Max(Math.Abs) * 0.125f, $"largest, d={d} rows={rows}");
                for (var r = 0; r < padded; r++)
                {
                    for (var x = 0; x < d; x++)
                    {
                        var expected = r < rows ? source[(r * d) + x] * 0.125f : 0f;
                        packed[(r / 8 * 8 * d) + (x * 8) + (r % 8)].ShouldBe(expected, $"d={d} rows={rows} r={r} x={x}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void LargerThanOneTile_ParallelAndSerial_MatchReference(KernelPath path, Precision precision)
    {
        var rng = new Random(130);
        foreach (var threads in new[] { 1, 2 })
        {
            var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = threads });
            // Query tiles hold up to 64 rows (up to 80 rows are one tile; balanced beyond: 100 rows are two of 56) and key tiles 512 keys: these
            // cross both, with ragged last tiles.
            foreach (var (n, m, d, dv) in new[] { (70, 1100, 24, 20), (100, 1030, 64, 64), (33, 513, 17, 33) })
            {
                var c = new Reference.Case(2, 2, 1, n, m, d, d, dv)
                {
                    Q = TestProblems.Random(rng, 2 * 2 * n * d),
                    K = TestProblems.Random(rng, 2 * m * d),
                    V = TestProblems.Random(rng, 2 * m * dv),
                    Causal = n == 100,
                    Mask = n == 33 ? TestProblems.RandomMask(rng, n * m) : null,
                    MaskIsBroadcast = true,
                    Bias = n == 70 ? TestProblems.Random(rng, n * m, 3) : null,
                    BiasIsBroadcast = true,
                };
                TestProblems.Check(engine, c, rank: 4, precision, returnWeights: true, $"threads={threads} n={n} m={m}");
                TestProblems.Check(engine, c, rank: 4, precision, returnWeights: false, $"threads={threads} n={n} m={m} no weights");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void PlainRowsOfLargeProblems_TakeTheirMaxFromTheScoreKernel_MatchReference(KernelPath path, Precision precision)
    {
        // No bias, mask or window, scores far from overflow, keys and values of a head past half the L2: the score
        // micro-kernel folds each row's max. 3000 keys leave a last tile of 440, not whole column blocks, which goes
        // through the row pass instead; with weights, 3100 keys are two tiles rescaled at the end. Every eighth row of queries is 256 times the others, so that its scores (about ±100) would overflow
        // e^(s − max) if it were given a neighbour's max, and the running max moves from tile to tile.
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = 1 });
        var rng = new Random(1024);
        foreach (var (n, m, weights) in new[] { (72, 3072, false), (72, 3000, false), (64, 3100, true) })
        {
            const int d = 24, dv = 20;
            var c = new Reference.Case(1, 1, 1, n, m, d, d, dv)
            {
                Q = TestProblems.Random(rng, n * d).Select((x, i) => i / d % 8 == 7 ? x * 256 : x).ToArray(),
                K = TestProblems.Random(rng, m * d),
                V = TestProblems.Random(rng, m * dv),
            };
            TestProblems.Check(engine, c, rank: 2, precision, returnWeights: weights, $"n={n} m={m} weights={weights}");
        }
    }

    [Fact]
    public void LargeProblemWhoseScoresMayOverflow_IsStillChecked()
    {
        // Keys and values large enough for the fold, but the bound (d · max|q| · max|k| · scale) fails, so the rows are
        // checked one by one: the overflow is found.
        const int n = 128, m = 8192, d = 16;
        var q = Enumerable.Repeat(3e19f, n * d).ToArray();
        var k = Enumerable.Range(0, m * d).Select(i => i % 7 == 0 ? 3e19f : 0.5f).ToArray();
        var v = new float[m * d];
        var problem = new AttentionProblem<float> { Query = TensorData.Wrap(q, n, d), Key = TensorData.Wrap(k, m, d), Value = TensorData.Wrap(v, m, d) };
        Should.Throw<AttentionOverflowException>(() => new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = 1 }).Compute(problem));
    }

    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void WeightsOverSeveralKeyTiles_AreRescaledToTheRowMax_MatchReference(KernelPath path, Precision precision)
    {
        // Up to 2048 keys a row with weights is one key tile, its weights final at once; past that each tile's weights
        // are brought to the row's final max at the end.
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = 2 });
        var rng = new Random(2600);
        const int n = 20, m = 2600, d = 16, dv = 8;
        foreach (var (causal, withMask) in new[] { (false, false), (true, false), (false, true) })
        {
            var c = new Reference.Case(1, 1, 1, n, m, d, d, dv)
            {
                Q = TestProblems.Random(rng, n * d, 3),
                K = TestProblems.Random(rng, m * d),
                V = TestProblems.Random(rng, m * dv),
                Causal = causal,
                Mask = withMask ? TestProblems.RandomMask(rng, n * m, 0.3) : null,
                MaskIsBroadcast = true,
            };
            TestProblems.Check(engine, c, rank: 2, precision, returnWeights: true, $"weights causal={causal} mask={withMask}");
        }
    }

    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void FewQueriesManyKeys_SplitOverKeyRanges_MatchReference(KernelPath path, Precision precision)
    {
        // One query tile and two threads: the keys are split into ranges merged by log-sum-exp (weights off).
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = 2 });
        var rng = new Random(3000);
        const int n = 20, m = 3001, d = 64, dv = 24;
        var mask = TestProblems.RandomMask(rng, n * m, 0.3);
        Array.Fill(mask, false, 7 * m, m);           // row 7 sees no key: zeros
        Array.Fill(mask, false, (3 * m) + 128, m - 128); // row 3 sees only the first key tile: every other range is empty
        foreach (var (causal, withMask, withBias) in new[] { (false, false, false), (true, false, false), (false, true, true), (true, true, false) })
        {
            var c = new Reference.Case(1, 1, 1, n, m, d, d, dv)
            {
                Q = TestProblems.Random(rng, n * d),
                K = TestProblems.Random(rng, m * d),
                V = TestProblems.Random(rng, m * dv),
                Causal = causal,
                Mask = withMask ? mask : null,
                MaskIsBroadcast = true,
                Bias = withBias ? TestProblems.Random(rng, n * m, 2) : null,
                BiasIsBroadcast = true,
            };
            TestProblems.Check(engine, c, rank: 2, precision, returnWeights: false, $"split causal={causal} mask={withMask} bias={withBias}");
        }
    }

    [Theory]
    [InlineData("scalar", KernelPath.Scalar)]
    [InlineData("vector128", KernelPath.Vector128)]
    [InlineData(" Vector256 ", KernelPath.Vector256)]
    [InlineData("VECTOR512", KernelPath.Vector512)]
    [InlineData("avx9000", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void EnvironmentSwitch_NamesAPath(string? value, KernelPath? expected) => KernelPaths.Parse(value).ShouldBe(expected);

    [Fact]
    public void DefaultPath_IsTheEnvironmentSwitchOrTheWidest() =>
        KernelPaths.Default.ShouldBe(KernelPaths.Parse(Environment.GetEnvironmentVariable(KernelPaths.EnvironmentVariable)) ?? KernelPaths.Widest());

    [Fact]
    public void ForcedPath_IsTheOneRun_AcceleratedOrNot()
    {
        foreach (var path in KernelPaths.All)
        {
            new AttentionEngine(new AttentionEngineOptions { KernelPath = path }).KernelPath.ShouldBe(path);
        }

        KernelPaths.All.ShouldBe([KernelPath.Scalar, KernelPath.Vector128, KernelPath.Vector256, KernelPath.Vector512]);
        KernelPaths.Accelerated.ShouldContain(KernelPath.Scalar);
    }

    [Fact]
    public void AutoPath_IsAccelerated_UnlessForced()
    {
        var forced = KernelPaths.Parse(Environment.GetEnvironmentVariable(KernelPaths.EnvironmentVariable));
        var auto = new AttentionEngine().KernelPath;
        auto.ShouldBe(forced ?? KernelPaths.Accelerated[^1]);
        KernelPaths.IsAccelerated(KernelPath.Auto).ShouldBeTrue();
    }
}
