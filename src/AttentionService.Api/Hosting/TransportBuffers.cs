using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace AttentionService.Api.Hosting;

/// <summary>
/// Kestrel's connection buffers in blocks of <see cref="LargeBlockBytes"/> instead of its own 4 KiB. The socket
/// transport receives into one block per system call (after a zero-byte read that waits for data), so a 1 MB tensor body
/// took about 500 calls in 4 KiB blocks and takes about 32 here; on this service's VMs, where a system call is dear,
/// that was a quarter of the CPU a 256 KB base64 request cost. Kestrel has no setting for its block size, only this
/// factory (public since .NET 10), so the pool is written here: arrays from the shared <see cref="ArrayPool{T}"/>
/// (array-backed, as the socket sender requires). Large blocks stop while <see cref="LargeBlockBudgetBytes"/> are out,
/// then blocks are 4 KiB again: thousands of connections that each hold a block (slow headers) cost what they cost before.
/// </summary>
internal sealed class TransportBufferPoolFactory : IMemoryPoolFactory<byte>
{
    public const int LargeBlockBytes = 64 * 1024;
    public const int SmallBlockBytes = 4 * 1024;
    public const long LargeBlockBudgetBytes = 64L << 20;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new Pool();

    private sealed class Pool : MemoryPool<byte>
    {
        private long _largeBytesOut;

        public override int MaxBufferSize => LargeBlockBytes;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            var large = Interlocked.Add(ref _largeBytesOut, LargeBlockBytes) <= LargeBlockBudgetBytes;
            if (!large)
            {
                Interlocked.Add(ref _largeBytesOut, -LargeBlockBytes);
            }

            return new Block(this, ArrayPool<byte>.Shared.Rent(Math.Max(minBufferSize, large ? LargeBlockBytes : SmallBlockBytes)), large);
        }

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Block(Pool pool, byte[] array, bool large) : IMemoryOwner<byte>
        {
            private byte[]? _array = array;

            public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _array, null) is { } returned)
                {
                    if (large)
                    {
                        Interlocked.Add(ref pool._largeBytesOut, -LargeBlockBytes);
                    }

                    ArrayPool<byte>.Shared.Return(returned);
                }
            }
        }
    }
}
