using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Base-2 exponentials for the softmax (float, and double with AVX-512). The row step computes 2^((s - max)·log2 e): log2 e is one multiply there,
/// not folded into the score scale, so scores, bias and the running max stay in natural units. 2^x is 2^n · 2^f with
/// n = round(x), f in [-1/2, 1/2] and a degree-5 polynomial for 2^f (relative error 2.2e-7, fitted on Chebyshev nodes).
/// With AVX-512 (F and DQ), vreduceps splits x and vscalefps applies 2^n: results below 2^-126 come out subnormal down to 2^-149 and 0 below, and
/// -inf gives exactly 0. Without it (Vector256, Vector128, and Vector512 in software), 2^n is built in the exponent
/// bits, which cannot hold a subnormal: inputs below -126 give 0 (flushed, a relative change of at most 2^-126 of the
/// row's sum), so masked scores (-inf) weigh nothing on every path.
/// </summary>
internal static class FastExp
{
    private const float C0 = 1.0000001192092896f;
    private const float C1 = 0.6931469440460205f;
    private const float C2 = 0.24022121727466583f;
    private const float C3 = 0.05550742521882057f;
    private const float C4 = 0.009675459936261177f;
    private const float C5 = 0.0013266970636323094f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp2(Vector512<float> x)
    {
        if (!Avx512DQ.IsSupported)
        {
            return Vector512.Create(Exp2(x.GetLower()), Exp2(x.GetUpper()));
        }

        // x = n + f, n = round(x), f in [-1/2, 1/2] by one vreduceps, which gives 0 for -inf (whose round is -inf, and
        // scalef by -inf gives 0): masked scores need no clamp.
        var n = Avx512F.RoundScale(x, 0);
        var f = Avx512DQ.Reduce(x, 0);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(C5), f, Vector512.Create(C4));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C3));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C2));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C1));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C0));
        return Avx512F.Scale(p, n);
    }

    /// <summary>
    /// 2^x for doubles with AVX-512 (callers check <see cref="Avx512DQ.IsSupported"/>): the same scheme with the Taylor
    /// polynomial of 2^f to degree 12, whose truncation error on [-1/2, 1/2] is below 2e-16, half the cost of the
    /// general <see cref="Vector512.Exp(Vector512{double})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp2(Vector512<double> x)
    {
        var n = Avx512F.RoundScale(x, 0);
        var f = Avx512DQ.Reduce(x, 0); // -inf: f = 0, n = -inf, scalef gives 0
        // (ln 2)^k / k!, the Taylor coefficients of 2^f, by Horner from the highest.
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(2.567843599348821e-11), f, Vector512.Create(4.445538271870811e-10));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(7.054911620801123e-9));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(1.0178086009239699e-7));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(1.3215486790144307e-6));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(1.525273380405984e-5));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(1.5403530393381608e-4));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(0.0013333558146428443));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(0.009618129107628477));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(0.05550410866482158));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(0.2402265069591007));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(0.6931471805599453));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(1.0));
        return Avx512F.Scale(p, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp2(Vector256<float> x)
    {
        var underflow = Vector256.LessThan(x, Vector256.Create(-126f));
        var t = Vector256.Min(Vector256.Max(x, Vector256.Create(-126f)), Vector256.Create(127f));
        var n = Vector256.Round(t);
        var f = t - n;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(C5), f, Vector256.Create(C4));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(C3));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(C2));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(C1));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(C0));
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.AndNot(p * scale, underflow.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp2(Vector128<float> x)
    {
        var underflow = Vector128.LessThan(x, Vector128.Create(-126f));
        var t = Vector128.Min(Vector128.Max(x, Vector128.Create(-126f)), Vector128.Create(127f));
        var n = Vector128.Round(t);
        var f = t - n;
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(C5), f, Vector128.Create(C4));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(C3));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(C2));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(C1));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(C0));
        var scale = Vector128.ShiftLeft(Vector128.ConvertToInt32(n) + Vector128.Create(127), 23).AsSingle();
        return Vector128.AndNot(p * scale, underflow.AsSingle());
    }
}
