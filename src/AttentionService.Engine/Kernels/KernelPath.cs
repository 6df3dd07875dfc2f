using System.Numerics;
using System.Runtime.Intrinsics;

namespace AttentionService.Engine.Kernels;

/// <summary>Which instruction-set path the kernels run.</summary>
public enum KernelPath
{
    /// <summary>The widest path the hardware accelerates (or the one <c>ATTENTION_KERNEL_PATH</c> forces).</summary>
    Auto,

    /// <summary>Plain scalar code: the reference every other path is tested against.</summary>
    Scalar,

    /// <summary>256-bit vectors (AVX2).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,

    /// <summary>128-bit vectors (ARM64 AdvSimd, SSE).</summary>
    Vector128,
}

/// <summary>
/// The kernel paths as one table, narrowest first: a new path is one row here. Every path runs on every machine (a path
/// the hardware does not accelerate runs the runtime's software fallback, slowly but with the same results), so tests
/// cover the production path anywhere; <see cref="KernelPath.Auto"/> takes the environment switch, else the widest
/// accelerated path.
/// </summary>
public static class KernelPaths
{
    /// <summary>The environment variable that forces a path: <c>scalar</c>, <c>vector128</c>, <c>vector256</c> or <c>vector512</c>.</summary>
    public const string EnvironmentVariable = "ATTENTION_KERNEL_PATH";

    private static readonly Entry[] Table =
    [
        new(KernelPath.Scalar, true, 1, KernelRunner.Run<float, float, SimdScalar<float>>, KernelRunner.Run<double, double, SimdScalar<double>>),
        new(KernelPath.Vector128, Vector128.IsHardwareAccelerated, Vector128<float>.Count, KernelRunner.Run<float, Vector128<float>, Simd128<float>>, KernelRunner.Run<double, Vector128<double>, Simd128<double>>),
        new(KernelPath.Vector256, Vector256.IsHardwareAccelerated, Vector256<float>.Count, KernelRunner.Run<float, Vector256<float>, Simd256<float>>, KernelRunner.Run<double, Vector256<double>, Simd256<double>>),
        new(KernelPath.Vector512, Vector512.IsHardwareAccelerated, Vector512<float>.Count, KernelRunner.Run<float, Vector512<float>, Simd512<float>>, KernelRunner.Run<double, Vector512<double>, Simd512<double>>),
    ];

    /// <summary>The path <see cref="KernelPath.Auto"/> means on this machine and in this process.</summary>
    public static KernelPath Default { get; } = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable)) ?? Widest();

    /// <summary>Every concrete path, narrowest first; each runs here, accelerated or not.</summary>
    public static IReadOnlyList<KernelPath> All { get; } = Array.ConvertAll(Table, e => e.Path);

    /// <summary>The paths this machine's hardware accelerates, narrowest first.</summary>
    public static IReadOnlyList<KernelPath> Accelerated { get; } = Table.Where(e => e.IsAccelerated).Select(e => e.Path).ToArray();

    /// <summary>Whether the hardware accelerates <paramref name="path"/> (<see cref="KernelPath.Auto"/> always is).</summary>
    public static bool IsAccelerated(KernelPath path) => path == KernelPath.Auto || Find(path).IsAccelerated;

    /// <summary>Maps <see cref="KernelPath.Auto"/> to a concrete path.</summary>
    public static KernelPath Resolve(KernelPath path) => Find(path == KernelPath.Auto ? Default : path).Path;

    /// <summary>float lanes of the widest path: the most padding any path needs.</summary>
    internal static int WidestFloatLanes { get; } = Table.Max(e => e.FloatLanes);

    internal static KernelPath Widest() => Table.Last(e => e.IsAccelerated).Path;

    /// <summary>The path a value of <see cref="EnvironmentVariable"/> names, or null (unset or unknown: the hardware decides).</summary>
    internal static KernelPath? Parse(string? value)
    {
        var name = value?.Trim();
        return Array.Find(Table, e => string.Equals(e.Path.ToString(), name, StringComparison.OrdinalIgnoreCase))?.Path;
    }

    /// <summary>Runs <paramref name="p"/> on <paramref name="path"/> (concrete or <see cref="KernelPath.Auto"/>).</summary>
    internal static void Run<T>(CoreProblem<T> p, KernelPath path, int maxDegreeOfParallelism, CancellationToken ct)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var entry = Find(path == KernelPath.Auto ? Default : path);
        var run = typeof(T) == typeof(float) ? (Runner<T>)(object)entry.Float : (Runner<T>)(object)entry.Double;
        run(p, maxDegreeOfParallelism, ct);
    }

    private static Entry Find(KernelPath path) =>
        Array.Find(Table, e => e.Path == path) ?? throw new ArgumentOutOfRangeException(nameof(path), path, "not a kernel path");

    internal delegate void Runner<T>(CoreProblem<T> p, int maxDegreeOfParallelism, CancellationToken ct)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    private sealed record Entry(KernelPath Path, bool IsAccelerated, int FloatLanes, Runner<float> Float, Runner<double> Double);
}
