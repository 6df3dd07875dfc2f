using System.Numerics;
using AttentionService.Api.Problems;
using AttentionService.Engine;

namespace AttentionService.Api.Endpoints;

/// <summary>One endpoint's mapping from its request to an engine problem, in either precision.</summary>
internal interface ISolver<in TRequest>
{
    static abstract Precision PrecisionOf(TRequest request);

    /// <summary>The request's tensors by field name, for the request log (shapes only).</summary>
    static abstract IEnumerable<(string Field, TensorData<double>? Data)> Tensors(TRequest request);

    /// <summary>
    /// Converts and validates the request, recording problems in <paramref name="wire"/>'s findings (and returning
    /// <c>null</c>), or returns the computation to run.
    /// </summary>
    static abstract Func<CancellationToken, AttentionResult<T>>? Prepare<T>(TRequest request, AttentionEngine engine, WireConversion<T> wire, Limits limits)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;
}

/// <summary>The problem-size limits a request is checked against before any score buffer exists.</summary>
internal sealed record Limits(long MaxScoreElements, long MaxReturnedWeights)
{
    /// <summary>Additive scoring may spend this many tanh evaluations per allowed score (a tanh costs about as much as a 64-term dot product).</summary>
    public const int AdditiveWorkPerScore = 8;

    /// <summary>B·H·n·m of the request last checked, for the <c>attention.scores</c> metric.</summary>
    public long Scores { get; private set; }

    /// <summary>Floating-point operations of its attention core, 2·B·H·n·m·(d + dv), for <c>attention.flops</c>.</summary>
    public long Flops { get; private set; }

    /// <summary>
    /// Adds a finding when <c>B·H·n·m</c>, any buffer the problem needs, or additive scoring's work exceeds a limit;
    /// the message names the limit and the way out.
    /// </summary>
    public void Check(Findings findings, long scores, bool returnWeights, string shape, ProblemSize size, long flops = 0)
    {
        Scores = scores;
        Flops = flops;
        if (size.LargestBuffer > MaxScoreElements)
        {
            findings.Add("query", $"the problem needs {size.LargestBuffer} elements for {size.LargestBufferName} ({shape}); this service allows at most {MaxScoreElements} per buffer (Attention:Limits:MaxScoreElements): send a smaller problem");
        }
        else if (size.AdditiveWork > MaxScoreElements * AdditiveWorkPerScore)
        {
            findings.Add("parameters.v", $"additive scoring would evaluate tanh {size.AdditiveWork} times (B·H·n·m·a for {shape}, a = {size.AdditiveWork / Math.Max(1, scores)}); at most {MaxScoreElements * AdditiveWorkPerScore} are allowed ({AdditiveWorkPerScore} per score under Attention:Limits:MaxScoreElements): use fewer hidden units or a smaller problem");
        }
        else if (scores > MaxScoreElements)
        {
            findings.Add("query", $"the problem has {scores} scores (B·H·n·m for {shape}); this service computes at most {MaxScoreElements} per request (Attention:Limits:MaxScoreElements): split the batch or the queries");
        }
        else if (returnWeights && scores > MaxReturnedWeights)
        {
            findings.Add("returnWeights", $"the answer would carry {scores} weights (B·H·n·m for {shape}); at most {MaxReturnedWeights} are returned (Attention:Limits:MaxReturnedWeights): send \"returnWeights\": false to get the output alone");
        }
    }
}
