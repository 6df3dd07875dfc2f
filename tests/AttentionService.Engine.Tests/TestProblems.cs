using System.Numerics;
using AttentionService.Engine.Kernels;

namespace AttentionService.Engine.Tests;

/// <summary>Builds engine problems from reference cases and compares answers with the golden tolerance.</summary>
internal static class TestProblems
{
    public static IEnumerable<object[]> Paths() => KernelPaths.All.Select(p => new object[] { p });

    public static IEnumerable<object[]> PathsAndPrecisions() =>
        from p in KernelPaths.All from precision in new[] { Precision.Float32, Precision.Float64 } select new object[] { p, precision };

    public static double[] Random(Random rng, int length, double spread = 1.0) =>
        Enumerable.Range(0, length).Select(_ => ((rng.NextDouble() * 2) - 1) * spread).ToArray();

    public static bool[] RandomMask(Random rng, int length, double allowed = 0.7) =>
        Enumerable.Range(0, length).Select(_ => rng.NextDouble() < allowed).ToArray();

    /// <summary>The case's tensors at the rank asked (2: B = H = 1, 3: H = 1, 4).</summary>
    public static AttentionProblem<T> Problem<T>(Reference.Case c, int rank, bool returnWeights = true, AttentionVariants? extras = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int[] Lead(int heads) => rank switch { 2 => [], 3 => [c.B], _ => [c.B, heads] };
        return new AttentionProblem<T>
        {
            Query = Wrap<T>(c.Q, [.. Lead(c.H), c.N, c.Dq]),
            Key = Wrap<T>(c.K, [.. Lead(c.Hkv), c.M, c.Dk]),
            Value = Wrap<T>(c.V, [.. Lead(c.Hkv), c.M, c.Dv]),
            Scoring = c.Scoring,
            Scale = c.Scale,
            Causal = c.Causal,
            Mask = c.Mask is null ? null : TensorData.Wrap(c.Mask, c.MaskIsBroadcast ? [c.N, c.M] : [.. Lead(c.H), c.N, c.M]),
            Bias = c.Bias is null ? null : Wrap<T>(c.Bias, c.BiasIsBroadcast ? [c.N, c.M] : [.. Lead(c.H), c.N, c.M]),
            W = c.W is null ? null : Wrap<T>(c.W, [c.Dq, c.Dk]),
            Wq = c.Wq is null ? null : Wrap<T>(c.Wq, [c.A, c.Dq]),
            Wk = c.Wk is null ? null : Wrap<T>(c.Wk, [c.A, c.Dk]),
            V = c.Va is null ? null : Wrap<T>(c.Va, [c.A]),
            B = c.Ba is null ? null : Wrap<T>(c.Ba, [c.A]),
            ReturnWeights = returnWeights,
            Variants = VariantsOf(c, extras),
        };
    }

    /// <summary>The case's mask language, with the extra results of <paramref name="extras"/>.</summary>
    public static AttentionVariants VariantsOf(Reference.Case c, AttentionVariants? extras = null)
    {
        var v = extras ?? AttentionVariants.None;
        return v with
        {
            Alignment = c.BottomRight ? Alignment.BottomRight : v.Alignment,
            Window = c.Window is var (l, r) ? new AttentionWindow(l, r) : v.Window,
            Softcap = c.Softcap ?? v.Softcap,
            Alibi = c.Alibi || v.Alibi,
        };
    }

    public static TensorData<T> Wrap<T>(double[] data, int[] shape) where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        TensorData.Wrap(data.Select(T.CreateTruncating).ToArray(), shape);

    public static void ShouldMatch<T>(ReadOnlySpan<T> actual, double[] expected, Precision precision, string what)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var (atol, rtol) = precision == Precision.Float32 ? (1e-5, 1e-4) : (1e-12, 1e-10);
        actual.Length.ShouldBe(expected.Length, what);
        for (var i = 0; i < expected.Length; i++)
        {
            var a = double.CreateTruncating(actual[i]);
            if (!(Math.Abs(a - expected[i]) <= atol + (rtol * Math.Abs(expected[i]))))
            {
                throw new ShouldAssertException($"{what}[{i}] = {a:R}, expected {expected[i]:R} (tolerance {atol} + {rtol}·|x|)");
            }
        }
    }

    /// <summary>Runs the case on the engine in the precision asked and checks output and weights against the reference.</summary>
    public static void Check(AttentionEngine engine, Reference.Case c, int rank, Precision precision, bool returnWeights, string label)
    {
        if (precision == Precision.Float32)
        {
            Check<float>(engine, c, rank, precision, returnWeights, label);
        }
        else
        {
            Check<double>(engine, c, rank, precision, returnWeights, label);
        }
    }

    private static void Check<T>(AttentionEngine engine, Reference.Case c, int rank, Precision precision, bool returnWeights, string label)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var (output, weights) = Reference.Attend(c);
        using var result = engine.Compute(Problem<T>(c, rank, returnWeights));
        ShouldMatch<T>(result.Output.Span, output, precision, $"{label} output");
        if (returnWeights)
        {
            ShouldMatch<T>(result.Weights!.Span, weights, precision, $"{label} weights");
        }
        else
        {
            result.Weights.ShouldBeNull();
        }
    }
}
