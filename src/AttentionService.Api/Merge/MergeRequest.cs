using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.Merge;

/// <summary>Partial answers of the same queries over disjoint sets of keys, to merge into the answer over all of them.</summary>
public sealed class MergeRequest : IDisposable
{
    /// <summary>The partial answers, each from a request with <c>returnLogSumExp: true</c> over one shard of the keys.</summary>
    public required IReadOnlyList<PartialAnswerRequest> Partials { get; set; }

    /// <summary>Arithmetic precision: <c>float32</c> (default) or <c>float64</c>.</summary>
    public Precision Precision { get; set; } = Precision.Float32;

    /// <summary>The form of <c>output</c> and <c>logSumExp</c> in the answer: <c>nested</c> arrays (default) or <c>base64</c> tensor objects of the precision's dtype.</summary>
    public TensorEncoding Encoding { get; set; } = TensorEncoding.Nested;

    /// <summary>Returns every tensor buffer to the pool.</summary>
    public void Dispose()
    {
        foreach (var partial in Partials ?? [])
        {
            partial?.Output?.Dispose();
            partial?.LogSumExp?.Dispose();
        }
    }
}

/// <summary>One shard's answer, as <c>/v1/attention</c> (or self, multihead) gave it.</summary>
public sealed class PartialAnswerRequest
{
    /// <summary>The shard's <c>output</c>, <c>[..., n, dv]</c>.</summary>
    public required NumberTensor Output { get; set; }

    /// <summary>The shard's <c>logSumExp</c>, <c>[..., n]</c>; <c>"-Infinity"</c> where the shard has no key for the row.</summary>
    public required LogSumExpTensor LogSumExp { get; set; }
}
