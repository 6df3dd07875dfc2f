using System.Collections.Concurrent;
using AttentionService.Engine.Kernels;

namespace AttentionService.Engine.Tests;

/// <summary>The engine's parallel loop: every item exactly once, one local state per worker, the first failure rethrown as it was.</summary>
public class SharedLoopTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(7, 1)]
    [InlineData(1000, 1)]
    [InlineData(1000, 3)]
    [InlineData(2, 5)]
    public void EveryItem_RunsExactlyOnce_WithOneLocalPerWorker(int count, int helpers)
    {
        var runs = new int[count];
        var locals = new ConcurrentBag<Local>();
        SharedLoop<Local>.Run(
            count,
            helpers,
            () =>
            {
                var local = new Local();
                locals.Add(local);
                return local;
            },
            (item, local) =>
            {
                Interlocked.Increment(ref runs[item]);
                local.Items++;
                if (item % 50 == 0)
                {
                    Thread.SpinWait(20_000); // uneven items, so that workers steal from each other
                }
            });

        runs.ShouldAllBe(r => r == 1);
        locals.Count.ShouldBeInRange(1, helpers + 1);
        locals.Sum(l => l.Items).ShouldBe(count);
        locals.ShouldAllBe(l => l.Disposed && l.Items > 0); // a worker that found nothing made no local
    }

    [Fact]
    public void AFailingItem_IsRethrownAsItWas_AndTheOthersStop()
    {
        var ran = 0;
        var thrown = Should.Throw<InvalidOperationException>(() => SharedLoop<Local>.Run(
            100_000,
            1,
            () => new Local(),
            (item, _) =>
            {
                Interlocked.Increment(ref ran);
                if (item == 10)
                {
                    throw new InvalidOperationException("item 10");
                }

                Thread.SpinWait(2_000);
            }));

        thrown.Message.ShouldBe("item 10");
        ran.ShouldBeLessThan(100_000);
    }

    [Fact]
    public async Task HelpersThatNeverStart_AreNotWaitedFor()
    {
        // Every pool thread is busy until the loop has returned: the caller runs all the items and abandons its helpers.
        using var release = new ManualResetEventSlim();
        ThreadPool.GetMinThreads(out var workers, out _);
        var blockers = Enumerable.Range(0, workers + 2).Select(_ => Task.Factory.StartNew(() => release.Wait(TimeSpan.FromSeconds(30)), TaskCreationOptions.PreferFairness)).ToArray();
        try
        {
            var ran = 0;
            SharedLoop<Local>.Run(50, 2, () => new Local(), (_, _) => Interlocked.Increment(ref ran));
            ran.ShouldBe(50);
        }
        finally
        {
            release.Set();
            await Task.WhenAll(blockers);
        }
    }

    private sealed class Local : IDisposable
    {
        public int Items { get; set; }

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
