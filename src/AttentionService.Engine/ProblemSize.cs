using AttentionService.Engine.Kernels;

namespace AttentionService.Engine;

/// <summary>What a problem will cost before it is paid for: every count the engine's limits are checked against.</summary>
/// <param name="Scores">Scores computed, <c>B·H·n·m</c>.</param>
/// <param name="ReturnedWeights">Weights returned: <see cref="Scores"/>, or 0 when the weights are not asked for.</param>
/// <param name="LargestBuffer">Elements of the largest buffer the engine will rent (output, weights, projections, packed keys).</param>
/// <param name="LargestBufferName">What that buffer is, for messages.</param>
/// <param name="AdditiveUnits">Hidden units <c>a</c> of additive scoring; 0 for the other scorings.</param>
/// <param name="Shapes">The shapes that determine the counts, for messages (<c>query [1, 3], key [2, 3]</c>).</param>
public readonly record struct ProblemSize(long Scores, long ReturnedWeights, long LargestBuffer, string LargestBufferName, int AdditiveUnits, string Shapes)
{
    /// <summary>tanh evaluations of additive scoring, <c>B·H·n·m·a</c>; 0 for the other scorings.</summary>
    public long AdditiveWork => Scores * AdditiveUnits;

    internal static (long Elements, string Name) Largest(params (string Name, long Elements)[] buffers)
    {
        var largest = buffers.MaxBy(b => b.Elements);
        return (largest.Elements, largest.Name);
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

    /// <summary>
    /// Adds a finding when the problem exceeds one of <paramref name="limits"/>, or a buffer could not be one array;
    /// the message names the counts and the way out.
    /// </summary>
    internal void Check(ShapeRules rules, AttentionEngineOptions limits)
    {
        var perBuffer = Math.Min(limits.MaxScoreElements, Array.MaxLength);
        var limit = limits.MaxScoreElements <= Array.MaxLength ? nameof(limits.MaxScoreElements) : null;
        var additiveWork = limits.MaxScoreElements > long.MaxValue / AttentionEngineOptions.AdditiveWorkPerScore
            ? long.MaxValue
            : limits.MaxScoreElements * AttentionEngineOptions.AdditiveWorkPerScore;
        if (LargestBuffer > perBuffer)
        {
            var message = $"the problem needs {LargestBuffer} elements for {LargestBufferName} ({Shapes}); at most {perBuffer} are allowed in one buffer: send a smaller problem";
            rules.Add(new ProblemFinding(ProblemPart.Query, message) { Limit = limit });
        }
        else if (AdditiveWork > additiveWork)
        {
            rules.Exceeds(ProblemPart.V, nameof(limits.MaxScoreElements), $"additive scoring would evaluate tanh {AdditiveWork} times (B·H·n·m·a for {Shapes}, a = {AdditiveUnits}); at most {additiveWork} are allowed ({AttentionEngineOptions.AdditiveWorkPerScore} per allowed score): use fewer hidden units or a smaller problem");
        }
        else if (Scores > limits.MaxScoreElements)
        {
            rules.Exceeds(ProblemPart.Query, nameof(limits.MaxScoreElements), $"the problem has {Scores} scores (B·H·n·m for {Shapes}); at most {limits.MaxScoreElements} are computed per problem: split the batch or the queries");
        }
        else if (ReturnedWeights > limits.MaxReturnedWeights)
        {
            rules.Exceeds(ProblemPart.ReturnWeights, nameof(limits.MaxReturnedWeights), $"the answer would carry {ReturnedWeights} weights (B·H·n·m for {Shapes}); at most {limits.MaxReturnedWeights} are returned: ask for the output alone, without the weights");
        }
    }
}
