using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionService.Api.Wire;

/// <summary>
/// The shortest decimal that rounds back to a given float32 or float64, by Raffaello Giulietti's Schubfach algorithm
/// ("The Schubfach way to render doubles", 2020): the value's rounding interval is scaled by one precomputed power of
/// ten rounded to odd, and the shortest decimal inside it is read off with a handful of comparisons. Among the shortest
/// candidates the one closest to the value wins (ties to even digits), as Java's and .NET's shortest formatters do.
/// </summary>
internal static class Schubfach
{
    // g(k) = ceil(10^k / 2^r) with r = floor(log2 10^k) - 63 (float32) or - 127 (float64): 10^k's leading 64 or 128 bits,
    // rounded up. Computed once with BigInteger rather than pasted as a table, so the derivation is the code.
    private const int Float32MinK = -31;
    private const int Float32MaxK = 45;
    private const int Float64MinK = -292;
    private const int Float64MaxK = 324;
    private static readonly ulong[] Pow10Float32 = Powers(Float32MinK, Float32MaxK, 64).Select(g => (ulong)g).ToArray();

    /// <summary>The float32 table as vectors of 8 (the last padded), for <see cref="Float32Rows"/>' lookups by permutation.</summary>
    internal static readonly Vector512<ulong>[] Pow10Float32Vectors = Enumerable.Range(0, 10)
        .Select(v => Vector512.Create(Enumerable.Range(v * 8, 8).Select(i => i < Pow10Float32.Length ? Pow10Float32[i] : 0UL).ToArray()))
        .ToArray();

    /// <summary>The index of 10^k's entry in the float32 table is <c>k - Float32TableStart</c>.</summary>
    internal const int Float32TableStart = Float32MinK;
    private static readonly UInt128[] Pow10Float64 = Powers(Float64MinK, Float64MaxK, 128).Select(g => (UInt128)g).ToArray();

    /// <summary>The shortest <c>digits × 10^exponent</c> equal to <paramref name="value"/> once rounded to float32; finite and &gt; 0 only.</summary>
    // Optimized from the first call, skipping the tiers: unoptimized, Choose's generic arithmetic is a call per operator,
    // several times slower, and on a busy machine the rejit to the optimized code can lag well behind the first answers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (uint Digits, int Exponent) ToDecimal(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var fraction = bits & 0x7F_FFFF;
        var biasedExponent = (int)(bits >> 23) & 0xFF;
        uint c;
        int q;
        if (biasedExponent != 0)
        {
            c = fraction | 0x80_0000;
            q = biasedExponent - 150;
            if (q is <= 0 and > -24 && (c & ((1u << -q) - 1)) == 0)
            {
                return (c >> -q, 0); // a small integer: its digits are exact
            }
        }
        else
        {
            c = fraction;
            q = -149;
        }

        var odd = c & 1;
        var lowerIsCloser = fraction == 0 && biasedExponent > 1 ? 1u : 0u; // at a power of two the gap below is half the gap above
        var k = ((q * 1262611) - (lowerIsCloser != 0 ? 524031 : 0)) >> 22;   // floor(log10(2^q)), or of 3/4 2^q
        var h = q + FloorLog2Pow10(-k) + 1;
        var g = Pow10Float32[-k - Float32MinK];
        var vbl = RoundToOdd(g, ((4 * c) - 2 + lowerIsCloser) << h);
        var vb = RoundToOdd(g, 4 * c << h);
        var vbr = RoundToOdd(g, ((4 * c) + 2) << h);
        return Choose(vbl + odd, vb, vbr - odd, k);
    }

    /// <summary>The shortest <c>digits × 10^exponent</c> equal to <paramref name="value"/> once rounded to float64; finite and &gt; 0 only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // as above
    public static (ulong Digits, int Exponent) ToDecimal(double value)
    {
        var bits = BitConverter.DoubleToUInt64Bits(value);
        var fraction = bits & 0xF_FFFF_FFFF_FFFF;
        var biasedExponent = (int)(bits >> 52) & 0x7FF;
        ulong c;
        int q;
        if (biasedExponent != 0)
        {
            c = fraction | (1UL << 52);
            q = biasedExponent - 1075;
            if (q is <= 0 and > -53 && (c & ((1UL << -q) - 1)) == 0)
            {
                return (c >> -q, 0);
            }
        }
        else
        {
            c = fraction;
            q = -1074;
        }

        var odd = c & 1;
        var lowerIsCloser = fraction == 0 && biasedExponent > 1 ? 1UL : 0UL;
        var k = ((q * 1262611) - (lowerIsCloser != 0 ? 524031 : 0)) >> 22;
        var h = q + FloorLog2Pow10(-k);
        var g = Pow10Float64[-k - Float64MinK];
        var vbl = RoundToOdd(g, ((4 * c) - 2 + lowerIsCloser) << h);
        var vb = RoundToOdd(g, 4 * c << h);
        var vbr = RoundToOdd(g, ((4 * c) + 2) << h);
        var (digits, exponent) = Choose(vbl + odd, vb, vbr - odd, k);
        return (digits, exponent);
    }

    /// <summary>
    /// Picks the decimal from the scaled interval [lower, upper] (units of 1/4) around vb: one digit fewer when exactly one
    /// of its two neighbours at that length is inside, else the length of s = vb / 4, else the closer of s and s + 1.
    /// Every case is computed and the answer selected arithmetically: which case applies depends on the value's bits, so
    /// on varied data branches here are mispredicted about half the time, and that cost more than the arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T Digits, int Exponent) Choose<T>(T lower, T vb, T upper, int k) where T : IBinaryInteger<T>
    {
        var four = T.CreateTruncating(4);
        var ten = T.CreateTruncating(10);
        var forty = T.CreateTruncating(40);
        var s = vb / four;
        var sp = s / ten;
        var upInside = lower <= forty * sp;
        var wpInside = (forty * sp) + forty <= upper;
        var shorter = (upInside ^ wpInside) & (s >= ten);

        var uInside = lower <= four * s;
        var wInside = (four * s) + four <= upper;
        var mid = (four * s) + T.CreateTruncating(2);
        var roundUp = (vb > mid) | ((vb == mid) & T.IsOddInteger(s));
        var up = ((uInside ^ wInside) & wInside) | (!(uInside ^ wInside) & roundUp);

        var shortDigits = sp + Bit<T>(wpInside);
        var longDigits = s + Bit<T>(up);
        return (longDigits + ((shortDigits - longDigits) * Bit<T>(shorter)), k + (shorter ? 1 : 0));
    }

    /// <summary>0 or 1 without a branch (a bool is one byte holding 0 or 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Bit<T>(bool condition) where T : IBinaryInteger<T> => T.CreateTruncating(Unsafe.BitCast<bool, byte>(condition));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint RoundToOdd(ulong g, uint cp)
    {
        var high = Math.BigMul(g, cp, out var low);
        var y1 = (uint)high;
        var y0 = (uint)(low >> 32);
        return y1 | (y0 > 1 ? 1u : 0u);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RoundToOdd(UInt128 g, ulong cp)
    {
        var x = Math.BigMul((ulong)g, cp, out _);
        var y = ((UInt128)cp * (ulong)(g >> 64)) + x;
        var y0 = (ulong)y;
        return (ulong)(y >> 63) | (y0 != 0 ? 1UL : 0UL);
    }

    /// <summary>floor(log2(10^e)) for |e| ≤ 1233.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FloorLog2Pow10(int e) => (e * 1741647) >> 19;

    private static IEnumerable<BigInteger> Powers(int minK, int maxK, int bits)
    {
        for (var k = minK; k <= maxK; k++)
        {
            // 10^k = numerator / denominator; r = floor(log2 10^k) - (bits - 1); g = ceil(10^k / 2^r).
            var numerator = k >= 0 ? BigInteger.Pow(10, k) : BigInteger.One;
            var denominator = k >= 0 ? BigInteger.One : BigInteger.Pow(10, -k);
            var floorLog2 = (int)numerator.GetBitLength() - (int)denominator.GetBitLength();
            if ((numerator << Math.Max(0, -floorLog2)) < (denominator << Math.Max(0, floorLog2)))
            {
                floorLog2--;
            }

            var r = floorLog2 - (bits - 1);
            if (r >= 0)
            {
                denominator <<= r;
            }
            else
            {
                numerator <<= -r;
            }

            var g = BigInteger.DivRem(numerator, denominator, out var remainder);
            yield return remainder.IsZero ? g : g + 1;
        }
    }
}
