using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Runs a <see cref="CoreProblem{T}"/> on one instruction-set path: splits it into work items
/// (batch x heads x query tiles), runs small problems inline and large ones on up to the allowed number of workers,
/// each with its own pooled scratch.
/// </summary>
internal static class KernelRunner
{
    /// <summary>Below this many flops a problem runs on the calling thread: parallel overhead would exceed the gain.</summary>
    private const double InlineFlops = 4e6;

    public static void Run<T>(CoreProblem<T> p, KernelPath path, int maxDegreeOfParallelism, CancellationToken ct)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (KernelPaths.Resolve(path))
        {
            case KernelPath.Vector512:
                Run<T, Vector512<T>, Simd512<T>>(p, maxDegreeOfParallelism, ct);
                break;
            case KernelPath.Vector256:
                Run<T, Vector256<T>, Simd256<T>>(p, maxDegreeOfParallelism, ct);
                break;
            default:
                Run<T, T, SimdScalar<T>>(p, maxDegreeOfParallelism, ct);
                break;
        }
    }

    private static void Run<T, TVec, TOps>(CoreProblem<T> p, int maxDegreeOfParallelism, CancellationToken ct)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVec : struct
        where TOps : struct, ISimd<TVec, T>
    {
        var shape = TileShape.For(p.N, p.M, p.Dv, TOps.Count, FlashKernel<T, TVec, TOps>.RowBlock);
        var tilesPerHead = (p.N + shape.QueryTile - 1) / shape.QueryTile;
        var items = p.Batch * p.Heads * tilesPerHead;
        using var packed = new PackedInputs<T>(p, shape);
        void RunItem(int item, Scratch<T> scratch)
        {
            var bh = item / tilesPerHead;
            var i0 = item % tilesPerHead * shape.QueryTile;
            FlashKernel<T, TVec, TOps>.Run(p, shape, packed, bh, i0, Math.Min(shape.QueryTile, p.N - i0), scratch, ct);
        }

        if (items == 1 || maxDegreeOfParallelism <= 1 || p.Flops < InlineFlops)
        {
            using var scratch = new Scratch<T>(shape, p.D, p.M);
            for (var item = 0; item < items; item++)
            {
                RunItem(item, scratch);
            }

            return;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = ct };
        try
        {
            Parallel.For(
                0,
                items,
                options,
                () => new Scratch<T>(shape, p.D, p.M),
                (item, _, scratch) =>
                {
                    RunItem(item, scratch);
                    return scratch;
                },
                scratch => scratch.Dispose());
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
