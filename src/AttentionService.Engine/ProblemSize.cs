using AttentionService.Engine.Kernels;

namespace AttentionService.Engine;

/// <summary>What a problem will cost before it is paid for: every count the engine's limits are checked against.</summary>
/// <param name="Scores">Scores computed, <c>B·H·n·m</c>.</param>
/// <param name="ReturnedWeights">Weights returned: <see cref="Scores"/>, or 0 when the weights are not asked for.</param>
/// <param name="LargestBuffer">Elements of the largest buffer the engine will rent (output, weights, projections, packed values).</param>
/// <param name="LargestBufferName">What that buffer is, for messages.</param>
/// <param name="AdditiveUnits">Hidden units <c>a</c> of additive scoring; 0 for the other scorings.</param>
/// <param name="DescribeShapes">
/// Formats the shapes that determine the counts, for messages (<c>query [1, 3], key [2, 3]</c>): only a problem over a
/// limit needs them, so every other one does not pay for the text (3 % of a 64² call, 1.6 % of a 128² one).
/// </param>
/// <param name="Bytes">
/// Bytes of every buffer the problem holds while it is solved: its inputs, the prepared and packed copies, the
/// projections, the workers' tiles, the output and the weights. An upper bound: it counts each buffer at once.
/// </param>
public readonly record struct ProblemSize(long Scores, long ReturnedWeights, long LargestBuffer, string LargestBufferName, int AdditiveUnits, Func<string> DescribeShapes, long Bytes)
{
    /// <summary>The shapes that determine the counts, as <see cref="DescribeShapes"/> formats them.</summary>
    public string Shapes => DescribeShapes();

    /// <summary>tanh evaluations of additive scoring, <c>B·H·n·m·a</c>; 0 for the other scorings.</summary>
    public long AdditiveWork => Scores * AdditiveUnits;

    internal static (long Elements, string Name) Largest(params (string Name, long Elements)[] buffers)
    {
        var largest = buffers.MaxBy(b => b.Elements);
        return (largest.Elements, largest.Name);
    }

    /// <summary>
    /// Elements of the keys packed transposed per tile, padded as on the widest path (the most padding): each worker
    /// packs every key tile of the head it is working on (<c>KeyTiles</c>), so <paramref name="workers"/> heads' worth
    /// at once, however many heads there are (two workers on one head's query blocks each pack it).
    /// </summary>
    internal static long PackedKeys(int workers, int m, int d) => Math.Max(workers, 1) * PackedKeyTile(m, d) * Widest(m, 1).KeyTiles(m);

    /// <summary>Elements of one packed key tile: the largest buffer the packed keys take.</summary>
    internal static long PackedKeyTile(int m, int d) => (long)d * Widest(m, 1).KeyTilePadded;

    /// <summary>Elements of values whose rows are padded to whole vectors of the widest path.</summary>
    internal static long PackedValues(long heads, int m, int dv) => heads * m * Widest(m, dv).DvPadded;

    /// <summary>Elements of the tile buffers of <paramref name="workers"/> workers, and of the partial results of a key split.</summary>
    internal static long Tiles(int workers, int m, int d, int dv)
    {
        var shape = Widest(m, dv);
        var rows = TileShape.SingleTileRows;
        // Per row: the queries, a row of the score tile, the output, max and sum, a max per key tile and the vector
        // of the row max the score micro-kernel folds.
        var perWorker = (rows * ((long)d + shape.KeyTilePadded + shape.DvPadded + 2 + shape.KeyTiles(m) + KernelPaths.WidestFloatLanes)) + d;
        var partial = 3L * rows * (dv + 2); // at most about three slots of split keys per worker
        return workers * (perWorker + partial);
    }

    private static TileShape Widest(int m, int dv) => TileShape.Widest(1, m, dv);

    /// <summary>
    /// Adds a finding when the problem exceeds one of <paramref name="limits"/>, each citing the limit it exceeds; the
    /// message names the counts and the way out. A buffer larger than .NET's largest array is reported only when no
    /// configured limit stops the problem first.
    /// </summary>
    internal void Check(ShapeRules rules, AttentionEngineOptions limits)
    {
        var additiveWork = limits.MaxScoreElements > long.MaxValue / AttentionEngineOptions.AdditiveWorkPerScore
            ? long.MaxValue
            : limits.MaxScoreElements * AttentionEngineOptions.AdditiveWorkPerScore;
        if (Scores > limits.MaxScoreElements)
        {
            rules.Exceeds(ProblemPart.Query, nameof(limits.MaxScoreElements), $"the problem has {Scores} scores (B·H·n·m for {Shapes}); at most {limits.MaxScoreElements} are computed per problem: split the batch or the queries");
        }
        else if (AdditiveWork > additiveWork)
        {
            rules.Exceeds(ProblemPart.V, nameof(limits.MaxScoreElements), $"additive scoring would evaluate tanh {AdditiveWork} times (B·H·n·m·a for {Shapes}, a = {AdditiveUnits}); at most {additiveWork} are allowed ({AttentionEngineOptions.AdditiveWorkPerScore} per allowed score): use fewer hidden units or a smaller problem");
        }
        else if (ReturnedWeights > limits.MaxReturnedWeights)
        {
            rules.Exceeds(ProblemPart.ReturnWeights, nameof(limits.MaxReturnedWeights), $"the answer would carry {ReturnedWeights} weights (B·H·n·m for {Shapes}); at most {limits.MaxReturnedWeights} are returned: ask for the output alone, without the weights");
        }
        else if (LargestBuffer > limits.MaxScoreElements)
        {
            rules.Exceeds(ProblemPart.Query, nameof(limits.MaxScoreElements), $"the problem needs {LargestBuffer} elements for {LargestBufferName} ({Shapes}); at most {limits.MaxScoreElements} are allowed in one buffer: send a smaller problem");
        }
        else if (Bytes > limits.MaxProblemBytes)
        {
            rules.Exceeds(ProblemPart.Query, nameof(limits.MaxProblemBytes), $"the problem needs about {Bytes} bytes of buffers ({Shapes}, the largest {LargestBufferName}); at most {limits.MaxProblemBytes} bytes are available to one problem: send a smaller problem{(ReturnedWeights > 0 ? " or ask for the output alone, without the weights" : "")}");
        }
        else if (LargestBuffer > Array.MaxLength)
        {
            rules.Add(new ProblemFinding(ProblemPart.Query, $"the problem needs {LargestBuffer} elements for {LargestBufferName} ({Shapes}); one buffer holds at most {Array.MaxLength}: send a smaller problem"));
        }
    }
}
