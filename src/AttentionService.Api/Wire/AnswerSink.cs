using System.Buffers;
using System.IO.Pipelines;

namespace AttentionService.Api.Wire;

/// <summary>
/// Where a <see cref="System.Text.Json.Utf8JsonWriter"/> puts an answer: a pooled buffer while the answer may still be
/// sent whole (with its length and timings in the headers), then, once <see cref="StreamTo"/> is called, the response's
/// own <see cref="PipeWriter"/>, so the rest is formatted straight into the server's send buffers with no copy of ours
/// and no buffer that grows with the answer. The writer must be flushed before the switch (its pending bytes are in
/// memory this sink gave out).
/// </summary>
internal sealed class AnswerSink(int initialCapacity) : IBufferWriter<byte>, IDisposable
{
    private readonly PooledBufferWriter _buffer = new(initialCapacity);
    private PipeWriter? _pipe;

    /// <summary>The bytes held in the buffer (none once streaming).</summary>
    public int BufferedCount => _buffer.WrittenCount;

    public ReadOnlyMemory<byte> Buffered => _buffer.WrittenMemory;

    public bool Streaming => _pipe is not null;

    /// <summary>Hands what the buffer holds to <paramref name="pipe"/> and writes there from now on.</summary>
    public void StreamTo(PipeWriter pipe)
    {
        pipe.Write(_buffer.WrittenSpan);
        _buffer.Dispose();
        _pipe = pipe;
    }

    public void Advance(int count)
    {
        if (_pipe is { } pipe)
        {
            pipe.Advance(count);
        }
        else
        {
            _buffer.Advance(count);
        }
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => _pipe is { } pipe ? pipe.GetMemory(sizeHint) : _buffer.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => _pipe is { } pipe ? pipe.GetSpan(sizeHint) : _buffer.GetSpan(sizeHint);

    public void Dispose() => _buffer.Dispose();
}
