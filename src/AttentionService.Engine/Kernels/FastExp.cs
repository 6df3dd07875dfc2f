using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Base-2 exponentials for the float softmax. The kernels fold log2(e) into the score scale, so the softmax needs
/// 2^x, computed as 2^n · 2^f with n = round(x), f in [-1/2, 1/2] and a degree-5 polynomial for 2^f (relative error
/// 2.2e-7, fitted on Chebyshev nodes). With AVX-512, vscalefps applies 2^n and handles underflow in one instruction;
/// without it, 2^n is built in the exponent bits. Inputs at or below -126 give 0, so masked scores (-inf) weigh
/// nothing.
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
        if (Avx512F.IsSupported)
        {
            // Far below the smallest denormal (2^-149): scalef then rounds to exactly 0, and -inf never reaches f as NaN.
            var t = Avx512F.Max(x, Vector512.Create(-160f));
            var n = Avx512F.RoundScale(t, 0); // round to nearest integer
            var f = t - n;
            var p = Vector512.FusedMultiplyAdd(Vector512.Create(C5), f, Vector512.Create(C4));
            p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C3));
            p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C2));
            p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C1));
            p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C0));
            return Avx512F.Scale(p, n);
        }

        return Vector512.Create(Exp2(x.GetLower()), Exp2(x.GetUpper()));
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
}
