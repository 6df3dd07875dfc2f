using System.Numerics;

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

    /// <summary>Query tiles one work item walks together, keys outermost.</summary>
    private const int MaxSpan = 4;

    public static void Run<T>(CoreProblem<T> p, KernelPath path, int maxDegreeOfParallelism, CancellationToken ct)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        WorkerBudget.Enter(ct); // the calling thread's own slot, for packing and its share of the tiles
        try
        {
            KernelPaths.Run(p, path, maxDegreeOfParallelism, ct);
        }
        finally
        {
            WorkerBudget.Release(1);
        }
    }

    /// <summary>The body of <see cref="Run{T}"/> for one path: a row of <see cref="KernelPaths"/>' table names it.</summary>
    internal static void Run<T, TVec, TOps>(CoreProblem<T> p, int maxDegreeOfParallelism, CancellationToken ct)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVec : struct
        where TOps : struct, ISimd<TVec, T>
    {
        var shape = TileShape.For(p.N, p.M, p.Dv, TOps.Count, MicroKernels<T, TVec, TOps>.RowBlock, p.Weights is not null);
        // A decode step (a few queries per head) streams its keys and values once instead of packing them for a
        // query tile it would mostly pad.
        var decode = p.AdditiveV is null && p.N <= DecodeKernel<T, TVec, TOps>.MaxRows;
        var queryTiles = decode ? 1 : (p.N + shape.QueryTile - 1) / shape.QueryTile;
        var large = maxDegreeOfParallelism > 1 && p.Flops >= InlineFlops;
        var threads = large ? Math.Min(maxDegreeOfParallelism, Environment.ProcessorCount) : 1;

        // Too few query tiles to feed every thread (few queries, long keys): split each tile's keys into ranges,
        // about two per thread, and merge them by log-sum-exp. Weights, top-k and entropy need whole rows, so they do not split.
        var keyTiles = shape.KeyTiles(p.M);
        var heads = p.Batch * p.Heads;
        var splits = !p.WholeRows && heads * queryTiles < threads && keyTiles > 1
            ? Math.Min(keyTiles, (2 * threads + (heads * queryTiles) - 1) / (heads * queryTiles))
            : 1;
        var tilesPerSplit = (keyTiles + splits - 1) / splits;
        splits = (keyTiles + tilesPerSplit - 1) / tilesPerSplit;

        // Otherwise, when a head has few query tiles (at most MaxSpan), one work item takes them all and walks the keys
        // outermost, so each key tile is read once for all of them, while there are still items enough for every thread.
        var span = splits > 1 || queryTiles > MaxSpan ? 1 : queryTiles;
        while (span > 1 && heads * ((queryTiles + span - 1) / span) < threads)
        {
            span--;
        }

        var spanRows = span * shape.QueryTile;
        var blocksPerHead = (queryTiles + span - 1) / span;
        var blocks = heads * blocksPerHead;
        var items = blocks * splits;
        using var packed = decode ? null : new PackedInputs<T>(p, shape);
        using var partial = splits > 1 ? new PartialResults<T>(items, spanRows, p.Dv) : null;
        void RunItem(int item, Scratch<T> scratch)
        {
            var block = item / splits;
            var split = item % splits;
            var bh = block / blocksPerHead;
            var i0 = block % blocksPerHead * spanRows;
            var keyStart = split * tilesPerSplit * shape.KeyTile;
            var keyEnd = Math.Min(p.M, keyStart + (tilesPerSplit * shape.KeyTile));
            if (decode)
            {
                DecodeKernel<T, TVec, TOps>.Run(p, shape, bh, keyStart, keyEnd, scratch, partial, item, ct);
                return;
            }

            FlashKernel<T, TVec, TOps>.Run(p, shape, packed!, bh, i0, Math.Min(spanRows, p.N - i0), keyStart, keyEnd, scratch, partial, item, ct);
        }

        var helpers = items == 1 || !large ? 0 : WorkerBudget.TryTake(Math.Min(maxDegreeOfParallelism, items) - 1);
        try
        {
            if (helpers == 0)
            {
                using var scratch = new Scratch<T>(shape, spanRows, p.D, p.M);
                for (var item = 0; item < items; item++)
                {
                    RunItem(item, scratch);
                }
            }
            else
            {
                SharedLoop<Scratch<T>>.Run(
                    items,
                    helpers,
                    () => new Scratch<T>(shape, spanRows, p.D, p.M),
                    (item, scratch) =>
                    {
                        ct.ThrowIfCancellationRequested();
                        RunItem(item, scratch);
                    });
            }

            if (partial is not null)
            {
                for (var block = 0; block < blocks; block++)
                {
                    var bh = block / blocksPerHead;
                    var i0 = block % blocksPerHead * spanRows;
                    var rows = Math.Min(spanRows, p.N - i0);
                    partial.Merge(block * splits, splits, rows, p.Output.AsSpan((int)((((long)bh * p.N) + i0) * p.Dv), rows * p.Dv), p.LogSumExp.AsSpan((int)(((long)bh * p.N) + i0), p.LogSumExp is null ? 0 : rows));
                }
            }
        }
        finally
        {
            WorkerBudget.Release(helpers);
        }
    }
}
