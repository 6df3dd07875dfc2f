using System.Globalization;
using System.Text;
using Serilog.Debugging;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace AttentionService.Api.Logging;

/// <summary>
/// The console sink: each event is formatted on the thread that logs it into a held text buffer (at most
/// <c>capacity</c> events and <see cref="MaxHeldChars"/> characters; beyond that an event is dropped and counted in
/// <see cref="LogBuffer"/>), and one writer thread takes the held text every <see cref="FlushInterval"/> (or as soon as
/// half the capacity is used) and writes it as UTF-8, one write per <see cref="WriteChars"/> characters. A slow or stuck
/// console never makes a request wait: the writer swaps buffers under the lock and writes outside it.
/// </summary>
/// <remarks>
/// Serilog.Sinks.Async does the same bounding and dropping, but its worker takes events from a
/// <c>BlockingCollection</c>, which wakes the worker for nearly every event, and Serilog.Sinks.Console writes through
/// <see cref="Console.Out"/>, whose 256-character buffer flushes as it fills: one system call per 256 characters. On a
/// small request the wake-up and those writes cost more than the rest of the request log together. Formatting stays on
/// the logging thread (a few microseconds, spread evenly) because a writer that formatted a whole interval's events at
/// once held a core for a millisecond at a time, which showed in the requests' p99. Lines are written whole and in
/// order, at most <see cref="FlushInterval"/> late, and what is held is written on disposal.
/// </remarks>
internal sealed class BufferedConsoleSink : ILogEventSink, IDisposable
{
    /// <summary>How long a line may wait for the lines after it.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Characters held at most (16 MB): with a stuck console, events carrying stack traces would otherwise fill the
    /// event capacity with hundreds of megabytes.
    /// </summary>
    public const int MaxHeldChars = 8 * 1024 * 1024;

    /// <summary>Characters encoded and written at a time, so the byte buffer stays small whatever the batch.</summary>
    public const int WriteChars = 256 * 1024;

    /// <summary>How long disposal waits for a console that does not take the last lines.</summary>
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(5);

    private readonly ITextFormatter _formatter;
    private readonly Stream _output;
    private readonly LogBuffer _counts;
    private readonly int _capacity;
    private readonly Lock _lock = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Encoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();
    private readonly Thread _writer;
    private StringWriter _held = new(CultureInfo.InvariantCulture);
    private StringWriter _writing = new(CultureInfo.InvariantCulture);
    private int _heldEvents;
    private byte[] _bytes = [];
    private volatile bool _stopping;

    /// <summary>Holds at most <paramref name="capacity"/> events for <paramref name="output"/>; counts in <paramref name="counts"/>.</summary>
    public BufferedConsoleSink(ITextFormatter formatter, Stream output, int capacity, LogBuffer counts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _formatter = formatter;
        _output = output;
        _capacity = capacity;
        _counts = counts;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "Console log writer" };
        _writer.Start();
    }

    public void Emit(LogEvent logEvent)
    {
        int held;
        bool halfFull;
        lock (_lock)
        {
            var text = _held.GetStringBuilder();
            var length = text.Length;
            if (_heldEvents >= _capacity || length >= MaxHeldChars)
            {
                _counts.Drop();
                return;
            }

            try
            {
                _formatter.Format(logEvent, _held);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                text.Length = length; // no half line
                _counts.Drop();
                SelfLog.WriteLine("A log event could not be formatted: {0}", e);
                return;
            }

            held = ++_heldEvents;
            _counts.Held(held);
            halfFull = held == (_capacity + 1) / 2 || (length < MaxHeldChars / 2 && text.Length >= MaxHeldChars / 2);
        }

        if (halfFull)
        {
            _wake.Set(); // a burst: write now rather than at the next tick
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        if (!_writer.Join(DisposeTimeout))
        {
            SelfLog.WriteLine("The console took no log lines for {0}; {1} events were not written", DisposeTimeout, _heldEvents);
        }

        // _wake stays undisposed: a thread still logging after disposal may set it (its events are not written).
    }

    private void WriteLoop()
    {
        while (true)
        {
            _wake.WaitOne(FlushInterval);
            var stopping = _stopping; // set before the wake-up: what was logged before disposal is held now
            lock (_lock)
            {
                (_held, _writing) = (_writing, _held);
                _heldEvents = 0;
                _counts.Held(0);
            }

            try
            {
                Write(_writing.GetStringBuilder());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever the console does, this thread must live on: the next batch may get through.
                _writing.GetStringBuilder().Clear();
                _utf8.Reset();
                SelfLog.WriteLine("Log lines could not be written to the console: {0}", e);
            }

            if (stopping)
            {
                return;
            }
        }
    }

    /// <summary>The text as UTF-8, <see cref="WriteChars"/> characters a write (the console stream is unbuffered: a write is a system call).</summary>
    private void Write(StringBuilder text)
    {
        if (text.Length == 0)
        {
            return;
        }

        if (_bytes.Length == 0)
        {
            _bytes = new byte[Encoding.UTF8.GetMaxByteCount(WriteChars)];
        }

        // One encoder across the pieces: a surrogate pair may straddle two of them.
        const int Piece = 8192;
        var length = 0;
        foreach (var chunk in text.GetChunks())
        {
            for (var start = 0; start < chunk.Length; start += Piece)
            {
                var piece = chunk.Span.Slice(start, Math.Min(Piece, chunk.Length - start));
                if (_bytes.Length - length < Encoding.UTF8.GetMaxByteCount(piece.Length))
                {
                    _output.Write(_bytes, 0, length);
                    length = 0;
                }

                length += _utf8.GetBytes(piece, _bytes.AsSpan(length), flush: false);
            }
        }

        if (_bytes.Length - length < 8)
        {
            _output.Write(_bytes, 0, length);
            length = 0;
        }

        length += _utf8.GetBytes([], _bytes.AsSpan(length), flush: true); // a lone high surrogate at the end, if any
        text.Clear();
        if (text.Capacity > 1 << 20)
        {
            text.Capacity = 1 << 16; // after a burst, give the memory back (Clear keeps it)
        }

        if (length > 0)
        {
            _output.Write(_bytes, 0, length);
        }
    }
}
