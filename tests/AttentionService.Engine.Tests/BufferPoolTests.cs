namespace AttentionService.Engine.Tests;

/// <summary>Small buffers go back to the pool (large ones: <see cref="LargeBufferCacheTests"/>); problems are measured before they are paid for.</summary>
public class BufferPoolTests
{
    [Fact]
    public void SmallTensor_IsPooled()
    {
        var first = TensorData.Rent<float>(16, 16);
        var array = first.Array;
        first.Dispose();

        using var second = TensorData.Rent<float>(16, 16);

        second.Array.ShouldBeSameAs(array);
    }

    [Fact]
    public void Measure_CountsTheWeightsOnlyWhenTheyAreReturned_AndRefusesWhatIsOverTheBytes()
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = 1 });
        AttentionProblem<float> Problem(bool weights) => new()
        {
            Query = TensorData.Wrap(new float[100 * 8], 100, 8),
            Key = TensorData.Wrap(new float[300 * 8], 300, 8),
            Value = TensorData.Wrap(new float[300 * 8], 300, 8),
            ReturnWeights = weights,
        };

        var with = engine.Measure(Problem(true)).Bytes;
        var without = engine.Measure(Problem(false)).Bytes;

        (with - without).ShouldBe(100 * 300 * sizeof(float));
        without.ShouldBeGreaterThan((100 + 300 + 300) * 8 * sizeof(float)); // the inputs, at least
        var small = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = 1, MaxProblemBytes = without });
        small.Validate(Problem(false)).ShouldBeEmpty();
        small.Validate(Problem(true)).Single().Limit.ShouldBe(nameof(AttentionEngineOptions.MaxProblemBytes));
    }

    [Fact]
    public void Measure_CountsPackedKeysPerWorker_NotPerHead()
    {
        // A worker packs every key tile of the head it is on: more heads add their inputs, outputs and packed values,
        // never more packed keys, and a second worker adds a packed copy of the keys even when there is one head (two
        // workers on one head's query blocks each pack it).
        const int N = 256, M = 1024, D = 64;
        long Bytes(int workers, int heads) => new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = workers }).Measure(new AttentionProblem<float>
        {
            Query = TensorData.Wrap(new float[heads * N * D], 1, heads, N, D),
            Key = TensorData.Wrap(new float[heads * M * D], 1, heads, M, D),
            Value = TensorData.Wrap(new float[heads * M * D], 1, heads, M, D),
            ReturnWeights = false,
        }).Bytes;

        var perHead = ((2L * N * D) + (3L * M * D)) * sizeof(float); // query, output; key, value, packed value
        (Bytes(1, 16) - Bytes(1, 8)).ShouldBe(8 * perHead);
        (Bytes(2, 16) - Bytes(2, 8)).ShouldBe(8 * perHead);
        (Bytes(2, 1) - Bytes(1, 1)).ShouldBeGreaterThan((long)M * D * sizeof(float)); // the second worker's keys, and its tiles
    }
}
