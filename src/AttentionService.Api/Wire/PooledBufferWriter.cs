using System.Buffers;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>An <see cref="IBufferWriter{T}"/> of bytes over arrays rented from the shared pool.</summary>
internal sealed class PooledBufferWriter(int initialCapacity) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = BufferPool.Rent<byte>(initialCapacity);

    public int WrittenCount { get; private set; }

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, WrittenCount);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, WrittenCount);

    public void Advance(int count) => WrittenCount += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(WrittenCount);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(WrittenCount);
    }

    /// <summary>The bytes the buffer can hold before it grows.</summary>
    public int Capacity => _buffer.Length;

    public void Clear() => WrittenCount = 0;

    /// <summary>Grows the buffer to hold at least <paramref name="capacity"/> bytes (exactly that many when it is large).</summary>
    public void Reserve(int capacity)
    {
        if (capacity > _buffer.Length)
        {
            var larger = BufferPool.Rent<byte>(capacity);
            _buffer.AsSpan(0, WrittenCount).CopyTo(larger);
            BufferPool.Return(_buffer);
            _buffer = larger;
        }
    }

    /// <summary>Returns the buffer; safe to call more than once.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        WrittenCount = 0;
        if (buffer.Length > 0)
        {
            BufferPool.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = WrittenCount + Math.Max(sizeHint, 256);
        if (needed > _buffer.Length)
        {
            Reserve(Math.Max(needed, _buffer.Length * 2));
        }
    }
}
