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
}

/// <summary>Resolves <see cref="KernelPath.Auto"/>: the environment switch first, then the hardware.</summary>
public static class KernelPaths
{
    /// <summary>The environment variable that forces a path: <c>scalar</c>, <c>vector256</c> or <c>vector512</c>.</summary>
    public const string EnvironmentVariable = "ATTENTION_KERNEL_PATH";

    /// <summary>The path <see cref="KernelPath.Auto"/> means on this machine and in this process.</summary>
    public static KernelPath Default { get; } = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable)) ?? Widest();

    /// <summary>Every path this machine can run, narrowest first.</summary>
    public static IReadOnlyList<KernelPath> Supported { get; } =
        new[] { KernelPath.Scalar, KernelPath.Vector256, KernelPath.Vector512 }.Where(IsSupported).ToArray();

    /// <summary>Whether the hardware accelerates <paramref name="path"/>.</summary>
    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar or KernelPath.Auto => true,
        KernelPath.Vector256 => Vector256.IsHardwareAccelerated,
        KernelPath.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>Maps <see cref="KernelPath.Auto"/> to a concrete path and checks the hardware has it.</summary>
    public static KernelPath Resolve(KernelPath path)
    {
        var resolved = path == KernelPath.Auto ? Default : path;
        return IsSupported(resolved)
            ? resolved
            : throw new PlatformNotSupportedException($"kernel path {resolved} is not accelerated on this machine");
    }

    internal static KernelPath Widest() =>
        Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : KernelPath.Scalar;

    /// <summary>The path a value of <see cref="EnvironmentVariable"/> names, or null (unset or unknown: the hardware decides).</summary>
    internal static KernelPath? Parse(string? value) =>
        value?.Trim().ToLowerInvariant() switch
        {
            "scalar" => KernelPath.Scalar,
            "vector256" => KernelPath.Vector256,
            "vector512" => KernelPath.Vector512,
            _ => null,
        };
}
