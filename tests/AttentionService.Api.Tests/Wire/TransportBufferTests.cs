using AttentionService.Api.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace AttentionService.Api.Tests.Wire;

/// <summary>Kestrel's connection buffers: 64 KiB blocks, 4 KiB ones past their budget, and the service uses them.</summary>
[Collection(nameof(SharedService))]
public class TransportBufferTests(AttentionServiceFactory factory)
{
    [Fact]
    public void Service_GivesKestrelTheLargeBlockPool()
    {
        factory.Services.GetRequiredService<IMemoryPoolFactory<byte>>().ShouldBeOfType<TransportBufferPoolFactory>();
    }

    [Fact]
    public void Rent_GivesLargeBlocks_ThenSmallOnesPastTheBudget_AndLargeAgainOnceReturned()
    {
        using var pool = new TransportBufferPoolFactory().Create();
        var budget = (int)(TransportBufferPoolFactory.LargeBlockBudgetBytes / TransportBufferPoolFactory.LargeBlockBytes);
        var large = Enumerable.Range(0, budget).Select(_ => pool.Rent(4096)).ToList();
        large.ShouldAllBe(b => b.Memory.Length >= TransportBufferPoolFactory.LargeBlockBytes);

        using (var small = pool.Rent(4096))
        {
            small.Memory.Length.ShouldBeInRange(4096, TransportBufferPoolFactory.LargeBlockBytes - 1);
        }

        large[0].Dispose();
        large[0].Dispose(); // twice: counted once
        using (var again = pool.Rent())
        {
            again.Memory.Length.ShouldBeGreaterThanOrEqualTo(TransportBufferPoolFactory.LargeBlockBytes);
            using var small = pool.Rent();
            small.Memory.Length.ShouldBeLessThan(TransportBufferPoolFactory.LargeBlockBytes);
        }

        large.ForEach(b => b.Dispose());
        Should.Throw<ObjectDisposedException>(() => large[1].Memory);
    }

    [Fact]
    public void Rent_HonoursALargerMinimum()
    {
        using var pool = new TransportBufferPoolFactory().Create();
        using var block = pool.Rent(pool.MaxBufferSize);
        block.Memory.Length.ShouldBeGreaterThanOrEqualTo(pool.MaxBufferSize);
        pool.MaxBufferSize.ShouldBe(TransportBufferPoolFactory.LargeBlockBytes);
    }
}
