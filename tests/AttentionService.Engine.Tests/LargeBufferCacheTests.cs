using System.Runtime.CompilerServices;

namespace AttentionService.Engine.Tests;

/// <summary>The cache of large arrays is process-wide: these tests run alone so that no other test takes or offers one meanwhile.</summary>
[CollectionDefinition(nameof(LargeBufferCacheTests), DisableParallelization = true)]
public sealed class LargeBufferCacheRunsAlone;

/// <summary>Large buffers are reused at their exact size, never beyond a small bound, never by two owners, and let go on demand.</summary>
[Collection(nameof(LargeBufferCacheTests))]
public class LargeBufferCacheTests
{
    [Fact]
    public void LargeTensor_IsReusedAtItsExactSize_AndTwoOwnersNeverShareOne()
    {
        BufferPool.TrimLarge();
        var first = TensorData.Rent<float>(1024, 1024); // 4 MiB
        var array = first.Array;
        first.Dispose();

        using var second = TensorData.Rent<float>(1024, 1024);
        using var third = TensorData.Rent<float>(1024, 1024);

        second.Array.ShouldBeSameAs(array);
        second.Array.Length.ShouldBe(1024 * 1024); // exactly the size asked for, not the next power of two
        third.Array.ShouldNotBeSameAs(array);
    }

    [Fact]
    public void LargeBuffers_AreNeverKeptBeyondTheBound_AndTrimmedOnesAreCollected()
    {
        BufferPool.TrimLarge();
        var bound = BufferPool.MaxKeptLargeBytes;
        bound.ShouldBeInRange(1L << 20, 64L << 20);
        var given = new List<WeakReference>();
        for (var i = 0; i < 40; i++)
        {
            given.Add(RentAndReturn((1 << 20) + i)); // 4 MiB and a bit, each a different size
            BufferPool.KeptLargeBytes.ShouldBeLessThanOrEqualTo(bound);
        }

        GC.Collect();
        given.Count(r => r.IsAlive).ShouldBeLessThanOrEqualTo((int)(bound / (4L << 20))); // the ones dropped are collectable

        BufferPool.TrimLarge();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        BufferPool.KeptLargeBytes.ShouldBe(0);
        given.ShouldAllBe(r => !r.IsAlive);
    }

    // Not inlined, so that no local of the caller (kept to the end of the method in Debug) holds the array.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference RentAndReturn(int length)
    {
        var array = BufferPool.Rent<float>(length);
        BufferPool.Return(array);
        return new WeakReference(array);
    }

    [Fact]
    public void ReusedResultBuffers_AreFullyWritten_IncludingMaskedRows()
    {
        const int n = 1024, m = 1024, d = 16, dv = 512; // weights 4 MiB, output 2 MiB: both large
        var random = new Random(7);
        float[] Data(int length) => [.. Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        var mask = new bool[n * m];
        Array.Fill(mask, true);
        mask.AsSpan(0, m).Clear(); // row 0 may attend no key: it answers zeros, which must be written, not assumed
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = 2 });
        AttentionProblem<float> Problem() => new()
        {
            Query = TensorData.Wrap(Data(n * d), n, d),
            Key = TensorData.Wrap(Data(m * d), m, d),
            Value = TensorData.Wrap(Data(m * dv), m, dv),
            Mask = TensorData.Wrap(mask, n, m),
        };
        var problem = Problem();

        BufferPool.TrimLarge();
        float[] expectedOutput, expectedWeights;
        using (var fresh = engine.Compute(problem))
        {
            expectedOutput = fresh.Output.Span.ToArray();
            expectedWeights = fresh.Weights!.Span.ToArray();
        }

        // Whatever the cache holds now is poisoned, so a result that skipped an element would show it.
        BufferPool.TrimLarge();
        foreach (var length in new[] { n * dv, n * m })
        {
            using var poison = TensorData.Rent<float>(length);
            poison.Span.Fill(float.NaN);
        }

        using var reused = engine.Compute(problem);

        reused.Output.Span.ToArray().ShouldBe(expectedOutput);
        reused.Weights!.Span.ToArray().ShouldBe(expectedWeights);
        expectedOutput.AsSpan(0, dv).ToArray().ShouldAllBe(x => x == 0f);
    }
}
