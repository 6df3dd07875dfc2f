using AttentionService.Engine.Kernels;

namespace AttentionService.Engine;

/// <summary>What a problem will cost before it is paid for: its largest buffer and its scoring work.</summary>
/// <param name="LargestBuffer">Elements of the largest buffer the engine will rent (output, weights, projections, packed keys).</param>
/// <param name="LargestBufferName">What that buffer is, for messages.</param>
/// <param name="AdditiveWork">tanh evaluations of additive scoring (B·H·n·m·a); 0 for the other scorings.</param>
public readonly record struct ProblemSize(long LargestBuffer, string LargestBufferName, long AdditiveWork)
{
    internal static ProblemSize Of(params (string Name, long Elements)[] buffers)
    {
        var largest = buffers.MaxBy(b => b.Elements);
        return new ProblemSize(largest.Elements, largest.Name, 0);
    }

    /// <summary>Elements of the keys packed transposed per tile, padded as on the widest path (the most padding).</summary>
    internal static long PackedKeys(long heads, int m, int d)
    {
        var shape = Widest(m, 1);
        return heads * shape.KeyTiles(m) * d * shape.KeyTilePadded;
    }

    /// <summary>Elements of values whose rows are padded to whole vectors of the widest path.</summary>
    internal static long PackedValues(long heads, int m, int dv) => heads * m * Widest(m, dv).DvPadded;

    private static TileShape Widest(int m, int dv) => TileShape.Widest(1, m, dv);

    /// <summary>Adds a finding when a buffer could not be one array.</summary>
    internal void Check(ShapeRules rules, string field)
    {
        if (LargestBuffer > Array.MaxLength)
        {
            rules.Fail(field, $"the problem needs a buffer of {LargestBuffer} elements ({LargestBufferName}); at most {Array.MaxLength} fit in one");
        }
    }
}
