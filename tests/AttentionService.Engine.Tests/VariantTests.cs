using System.Numerics;
using AttentionService.Engine.Kernels;

namespace AttentionService.Engine.Tests;

/// <summary>
/// The mask language (alignment, window, softcap, ALiBi) and the extra results (log-sum-exp, top-k, diagnostics) on
/// every kernel path and precision against the float64 reference, across tile and SIMD tails.
/// </summary>
public class VariantTests
{
    private static readonly AttentionVariants Everything = new() { ReturnLogSumExp = true, Diagnostics = true };

    public static IEnumerable<object[]> Shapes() =>
        from shape in new[]
        {
            // b, h, hkv, n, m, d, dv, bottomRight, window, softcap, alibi, causal, mask
            new object[] { 1, 1, 1, 5, 9, 4, 3, true, (4, 0), 2.0, true, true, false },
            [2, 3, 3, 7, 7, 8, 5, false, (2, 1), null!, true, false, true],
            [1, 4, 2, 70, 1100, 24, 20, true, (300, 17), 5.0, true, false, false],
            [1, 2, 1, 130, 600, 16, 9, false, (-1, 40), null!, false, true, true],
            [2, 1, 1, 33, 513, 17, 33, true, (0, -1), 1.5, false, true, false],
            [1, 2, 2, 600, 40, 8, 8, false, (20, 20), null!, true, false, false],
            [1, 4, 2, 1, 1300, 16, 8, true, (255, 0), 3.0, true, true, true], // a decode step: the decode kernel
            [2, 3, 3, 3, 40, 8, 5, false, (1, 30), null!, true, true, false],
        }
        select shape;

    private static Reference.Case CaseOf(Random rng, object[] s)
    {
        var (b, h, hkv, n, m, d, dv) = ((int)s[0], (int)s[1], (int)s[2], (int)s[3], (int)s[4], (int)s[5], (int)s[6]);
        return new Reference.Case(b, h, hkv, n, m, d, d, dv)
        {
            Q = TestProblems.Random(rng, b * h * n * d, 2),
            K = TestProblems.Random(rng, b * hkv * m * d, 2),
            V = TestProblems.Random(rng, b * hkv * m * dv),
            BottomRight = (bool)s[7],
            Window = ((int, int))s[8],
            Softcap = (double?)s[9],
            Alibi = (bool)s[10],
            Causal = (bool)s[11],
            Mask = (bool)s[12] ? TestProblems.RandomMask(rng, n * m, 0.6) : null,
            MaskIsBroadcast = true,
            Bias = TestProblems.Random(rng, n * m),
            BiasIsBroadcast = true,
        };
    }

    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void MaskLanguage_EveryPath_MatchesReference(KernelPath path, Precision precision)
    {
        var rng = new Random(17);
        foreach (var threads in new[] { 1, 2 })
        {
            var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = threads });
            foreach (var shape in Shapes())
            {
                var c = CaseOf(rng, shape);
                var label = $"threads={threads} {string.Join(",", shape)}";
                foreach (var weights in new[] { true, false })
                {
                    if (precision == Precision.Float32)
                    {
                        Check<float>(engine, c, weights, precision, label);
                    }
                    else
                    {
                        Check<double>(engine, c, weights, precision, label);
                    }
                }
            }
        }
    }

    private static void Check<T>(AttentionEngine engine, Reference.Case c, bool weights, Precision precision, string label)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var expected = Reference.AttendFull(c);
        using var result = engine.Compute(TestProblems.Problem<T>(c, rank: 4, weights, Everything));
        TestProblems.ShouldMatch<T>(result.Output.Span, expected.Output, precision, $"{label} output");
        if (weights)
        {
            TestProblems.ShouldMatch<T>(result.Weights!.Span, expected.Weights, precision, $"{label} weights");
        }

        result.LogSumExp!.ShapeArray().ShouldBe([c.B, c.H, c.N]);
        ShouldMatchWithInfinity(result.LogSumExp.Span, expected.LogSumExp, precision, $"{label} logSumExp");
        var diagnostics = result.Diagnostics!;
        diagnostics.MaskedRows.ShouldBe(expected.MaskedRows, label);
        diagnostics.KernelPath.ShouldBe(engine.KernelPath);
        TestProblems.ShouldMatch<double>([diagnostics.MaxAbsScore], [expected.MaxAbsScore], precision, $"{label} maxAbsScore");
        TestProblems.ShouldMatch<T>(diagnostics.Entropy.Span, expected.Entropy, precision, $"{label} entropy");
    }

    private static void ShouldMatchWithInfinity<T>(ReadOnlySpan<T> actual, double[] expected, Precision precision, string what)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (var i = 0; i < expected.Length; i++)
        {
            if (double.IsNegativeInfinity(expected[i]))
            {
                T.IsNegativeInfinity(actual[i]).ShouldBeTrue($"{what}[{i}] = {actual[i]}, expected -inf");
            }
            else
            {
                TestProblems.ShouldMatch<T>(actual.Slice(i, 1), [expected[i]], precision, $"{what}[{i}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void TopK_EveryPath_MatchesReferenceRanking(KernelPath path, Precision precision)
    {
        var rng = new Random(16);
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = 2 });
        foreach (var shape in Shapes())
        {
            var c = CaseOf(rng, shape);
            var expected = Reference.AttendFull(c);
            foreach (var k in new[] { 1, 3, Math.Min(c.M, 20) })
            {
                var label = $"k={k} {string.Join(",", shape)}";
                var (indices, values) = Reference.TopK(expected.Weights, c.M, k);
                if (precision == Precision.Float32)
                {
                    using var result = engine.Compute(TestProblems.Problem<float>(c, 4, extras: new AttentionVariants { WeightsTopK = k }));
                    CheckTopK(result, indices, values, precision, label, c, k);
                }
                else
                {
                    using var result = engine.Compute(TestProblems.Problem<double>(c, 4, extras: new AttentionVariants { WeightsTopK = k }));
                    CheckTopK(result, indices, values, precision, label, c, k);
                }
            }
        }
    }

    private static void CheckTopK<T>(AttentionResult<T> result, int[] indices, double[] values, Precision precision, string label, Reference.Case c, int k)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        result.Weights.ShouldBeNull();
        result.TopKIndices!.ShapeArray().ShouldBe([c.B, c.H, c.N, k]);
        TestProblems.ShouldMatch<T>(result.TopKValues!.Span, values, precision, $"{label} values");
        for (var x = 0; x < indices.Length; x++)
        {
            // Equal weights (zeros of masked keys) rank by index; near-equal ones may swap within rounding.
            if (result.TopKIndices.Span[x] != indices[x] && Math.Abs(values[x] - values[(x / k * k) + Array.IndexOf(indices, result.TopKIndices.Span[x], x / k * k, k) is var at and >= 0 ? at : x]) > 1e-6)
            {
                throw new ShouldAssertException($"{label} index[{x}] = {result.TopKIndices.Span[x]}, expected {indices[x]}");
            }
        }
    }

    [Theory]
    [InlineData(Precision.Float32)]
    [InlineData(Precision.Float64)]
    public void ThreeShardsMerged_EqualTheUnshardedAnswer(Precision precision)
    {
        var rng = new Random(3);
        int b = 2, h = 2, n = 40, m = 700, d = 16, dv = 8;
        var mask = TestProblems.RandomMask(rng, n * m, 0.8);
        for (var j = 0; j < m; j++)
        {
            mask[(5 * m) + j] = false; // a row with no key anywhere
        }

        var c = new Reference.Case(b, h, h, n, m, d, d, dv)
        {
            Q = TestProblems.Random(rng, b * h * n * d, 2),
            K = TestProblems.Random(rng, b * h * m * d, 2),
            V = TestProblems.Random(rng, b * h * m * dv),
            Causal = true,
            BottomRight = true,
            Mask = mask,
            MaskIsBroadcast = true,
        };
        int[] cuts = [0, 250, 660, m]; // the last shard lies wholly above some rows' causal limit: -inf there
        if (precision == Precision.Float32)
        {
            CheckShards<float>(c, cuts, precision);
        }
        else
        {
            CheckShards<double>(c, cuts, precision);
        }
    }

    private static void CheckShards<T>(Reference.Case c, int[] cuts, Precision precision) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = 2 });
        using var whole = engine.Compute(TestProblems.Problem<T>(c, 4, returnWeights: false, new AttentionVariants { ReturnLogSumExp = true }));
        var results = new List<AttentionResult<T>>();
        try
        {
            for (var s = 0; s + 1 < cuts.Length; s++)
            {
                // A shard is keys [lo, hi) with their mask columns; causal at bottom-right becomes part of the mask,
                // since a shard alone does not know where its keys sit.
                int lo = cuts[s], width = cuts[s + 1] - cuts[s];
                var shardMask = new bool[c.N * width];
                for (var i = 0; i < c.N; i++)
                {
                    for (var j = 0; j < width; j++)
                    {
                        shardMask[(i * width) + j] = c.Mask![(i * c.M) + lo + j] && lo + j <= i + c.M - c.N;
                    }
                }

                var shard = c with { M = width, Causal = false, BottomRight = false, K = Slice(c.K, c.B * c.H, c.M, c.Dk, lo, width), V = Slice(c.V, c.B * c.H, c.M, c.Dv, lo, width), Mask = shardMask };
                results.Add(engine.Compute(TestProblems.Problem<T>(shard, 4, returnWeights: false, new AttentionVariants { ReturnLogSumExp = true })));
            }

            using var merged = engine.Compute(new MergeProblem<T> { Partials = results.Select(r => new PartialAnswer<T>(r.Output, r.LogSumExp!)).ToList() });
            var expected = Reference.AttendFull(c);
            TestProblems.ShouldMatch<T>(merged.Output.Span, expected.Output, precision, "merged output");
            ShouldMatchWithInfinity(merged.LogSumExp!.Span, expected.LogSumExp, precision, "merged logSumExp");
            TestProblems.ShouldMatch<T>(merged.Output.Span, whole.Output.Span.ToArray().Select(double.CreateTruncating).ToArray(), precision, "merged against unsharded");
        }
        finally
        {
            results.ForEach(r => r.Dispose());
        }
    }

    private static double[] Slice(double[] rows, int groups, int m, int width, int lo, int count)
    {
        var slice = new double[groups * count * width];
        for (var g = 0; g < groups; g++)
        {
            rows.AsSpan(((g * m) + lo) * width, count * width).CopyTo(slice.AsSpan(g * count * width));
        }

        return slice;
    }

    [Fact]
    public void Merge_ShapesThatDisagree_NamePartials()
    {
        var problem = new MergeProblem<double>
        {
            Partials =
            [
                new(TensorData.Wrap(new double[] { 1, 2 }, 1, 2), TensorData.Wrap(new double[] { 0.5 }, 1)),
                new(TensorData.Wrap(new double[] { 1, 2, 3 }, 1, 3), TensorData.Wrap(new double[] { 0.1 }, 1)),
            ],
        };

        new AttentionEngine().Validate(problem).ShouldHaveSingleItem().Part.ShouldBe(ProblemPart.Partials);
    }

    [Theory]
    [MemberData(nameof(TestProblems.PathsAndPrecisions), MemberType = typeof(TestProblems))]
    public void AdditiveWithBias_MatchesReference(KernelPath path, Precision precision)
    {
        var rng = new Random(5);
        int n = 9, m = 13, dq = 5, dk = 7, a = 6;
        var c = new Reference.Case(1, 1, 1, n, m, dq, dk, 3)
        {
            Q = TestProblems.Random(rng, n * dq),
            K = TestProblems.Random(rng, m * dk),
            V = TestProblems.Random(rng, m * 3),
            Scoring = Scoring.Additive,
            Wq = TestProblems.Random(rng, a * dq),
            Wk = TestProblems.Random(rng, a * dk),
            Va = TestProblems.Random(rng, a),
            Ba = TestProblems.Random(rng, a, 2),
            Window = (3, 3),
            Softcap = 1.0,
        };
        TestProblems.Check(new AttentionEngine(new AttentionEngineOptions { KernelPath = path }), c, 2, precision, returnWeights: true, "additive with b");
    }

    [Fact]
    public void AlibiSlopes_FollowGetSlopes()
    {
        AttentionVariants.AlibiSlopes(3).ShouldBe([Math.Pow(2, -4), Math.Pow(2, -8), Math.Pow(2, -2)], 1e-15);
        AttentionVariants.AlibiSlopes(8).ShouldBe(Enumerable.Range(1, 8).Select(h => Math.Pow(2, -h)).ToArray(), 1e-15);
        foreach (var heads in new[] { 1, 2, 5, 6, 12, 16, 24 })
        {
            AttentionVariants.AlibiSlopes(heads).ShouldBe(Reference.AlibiSlopes(heads), 1e-15);
        }
    }

    [Theory]
    [InlineData(Precision.Float32)]
    [InlineData(Precision.Float64)]
    public void Multihead_WithVariants_MatchesProjectedReference(Precision precision)
    {
        var rng = new Random(12);
        int batch = 2, heads = 3, n = 6, m = 9, e = 12, hd = e / heads;
        var x = TestProblems.Random(rng, batch * n * e);
        var kv = TestProblems.Random(rng, batch * m * e);
        double[] wq = TestProblems.Random(rng, e * e), wk = TestProblems.Random(rng, e * e), wv = TestProblems.Random(rng, e * e), wo = TestProblems.Random(rng, e * e);
        var c = new Reference.Case(batch, heads, heads, n, m, hd, hd, hd)
        {
            Q = MultiheadTests.Heads(MultiheadTests.Linear(x, wq, null, batch * n, e, e), batch, n, heads, hd),
            K = MultiheadTests.Heads(MultiheadTests.Linear(kv, wk, null, batch * m, e, e), batch, m, heads, hd),
            V = MultiheadTests.Heads(MultiheadTests.Linear(kv, wv, null, batch * m, e, e), batch, m, heads, hd),
            Causal = true,
            BottomRight = true,
            Window = (3, 0),
            Softcap = 1.5,
            Alibi = true,
        };
        var expected = Reference.AttendFull(c);
        var concat = new double[batch * n * e];
        for (var b = 0; b < batch; b++)
        {
            for (var h = 0; h < heads; h++)
            {
                for (var i = 0; i < n; i++)
                {
                    Array.Copy(expected.Output, (((b * heads) + h) * n + i) * hd, concat, (((b * n) + i) * e) + (h * hd), hd);
                }
            }
        }

        if (precision == Precision.Float32)
        {
            CheckMultihead<float>(c, x, kv, wq, wk, wv, wo, concat, expected, precision);
        }
        else
        {
            CheckMultihead<double>(c, x, kv, wq, wk, wv, wo, concat, expected, precision);
        }
    }

    private static void CheckMultihead<T>(Reference.Case c, double[] x, double[] kv, double[] wq, double[] wk, double[] wv, double[] wo, double[] concat, Reference.Full expected, Precision precision)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int e = c.H * c.Dq;
        var problem = new MultiheadProblem<T>
        {
            Query = TestProblems.Wrap<T>(x, [c.B, c.N, e]),
            Key = TestProblems.Wrap<T>(kv, [c.B, c.M, e]),
            Value = TestProblems.Wrap<T>(kv, [c.B, c.M, e]),
            NumHeads = c.H,
            QProjWeight = TestProblems.Wrap<T>(wq, [e, e]),
            KProjWeight = TestProblems.Wrap<T>(wk, [e, e]),
            VProjWeight = TestProblems.Wrap<T>(wv, [e, e]),
            OutProjWeight = TestProblems.Wrap<T>(wo, [e, e]),
            Causal = true,
            AverageWeights = false,
            Variants = TestProblems.VariantsOf(c, new AttentionVariants { ReturnLogSumExp = true, Diagnostics = true, WeightsTopK = 2 }),
        };

        using var result = new AttentionEngine().Compute(problem);

        TestProblems.ShouldMatch<T>(result.Output.Span, MultiheadTests.Linear(concat, wo, null, c.B * c.N, e, e), precision, "output");
        result.LogSumExp!.ShapeArray().ShouldBe([c.B, c.H, c.N]);
        TestProblems.ShouldMatch<T>(result.LogSumExp.Span, expected.LogSumExp, precision, "logSumExp");
        TestProblems.ShouldMatch<T>(result.Diagnostics!.Entropy.Span, expected.Entropy, precision, "entropy");
        result.Weights.ShouldBeNull();
        TestProblems.ShouldMatch<T>(result.TopKValues!.Span, Reference.TopK(expected.Weights, c.M, 2).Values, precision, "top-k of the per-head weights");
    }

    [Fact]
    public void TopK_At16384Squared_FitsTheServiceDefaultLimits()
    {
        // The service's defaults (Attention:Limits): 2^28 scores per problem, 2^24 returned weights.
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxScoreElements = 268_435_456, MaxReturnedWeights = 16_777_216 });
        var rows = TensorData.Wrap(new float[16384 * 64], 16384, 64);
        var problem = new AttentionProblem<float> { Query = rows, Key = rows, Value = rows, Variants = new AttentionVariants { WeightsTopK = 16 } };

        engine.Validate(problem).ShouldBeEmpty();
        engine.Validate(new AttentionProblem<float> { Query = rows, Key = rows, Value = rows }).ShouldHaveSingleItem().Part.ShouldBe(ProblemPart.ReturnWeights);
    }

    [Fact]
    public void Validate_VariantsOutOfRange_NameTheirParts()
    {
        var one = TensorData.Wrap(new float[] { 1, 2 }, 2, 1);
        var problem = new AttentionProblem<float>
        {
            Query = one, Key = one, Value = one,
            Variants = new AttentionVariants { Window = new AttentionWindow(-2, 0), Softcap = 0, WeightsTopK = 3 },
        };

        new AttentionEngine().Validate(problem).Select(f => f.Part).ShouldBe([ProblemPart.Window, ProblemPart.Softcap, ProblemPart.WeightsTopK]);
    }
}
