using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace AttentionService.Api.Logging;

/// <summary>
/// The JSON console sink behind the asynchronous buffer: formats each event with the given formatter into a text
/// buffer and writes the buffer to the console every <see cref="FlushInterval"/> (or at once when 32 KB have gathered),
/// so a busy service makes one console write per interval instead of one per request. Serilog.Sinks.Console flushes
/// after every event, a system call per request line; that is the only reason this sink exists. Lines are written in
/// order and whole, at most <see cref="FlushInterval"/> late, and whatever is held is written on disposal.
/// </summary>
internal sealed class BatchedConsoleSink : ILogEventSink, IDisposable
{
    /// <summary>How long a line may wait for the lines after it.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);

    private const int FlushChars = 32 * 1024;

    private readonly ITextFormatter _formatter;
    private readonly Func<TextWriter>? _output;
    private readonly StringWriter _pending = new(CultureInfo.InvariantCulture);
    private readonly Lock _lock = new();
    private readonly Timer _timer;
    private char[] _chunk = [];

    /// <summary>Writes to <see cref="Console.Out"/> as it is at each write, or to what <paramref name="output"/> gives.</summary>
    public BatchedConsoleSink(ITextFormatter formatter, Func<TextWriter>? output = null)
    {
        _formatter = formatter;
        _output = output;
        _timer = new Timer(static sink => ((BatchedConsoleSink)sink!).Flush(), this, FlushInterval, FlushInterval);
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _formatter.Format(logEvent, _pending);
            if (_pending.GetStringBuilder().Length >= FlushChars)
            {
                FlushHeld();
            }
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }

    private void Flush()
    {
        lock (_lock)
        {
            FlushHeld();
        }
    }

    private void FlushHeld()
    {
        var text = _pending.GetStringBuilder();
        if (text.Length == 0)
        {
            return;
        }

        // One write of the whole batch: Console.Out flushes after each call.
        if (_chunk.Length < text.Length)
        {
            _chunk = new char[Math.Max(text.Length, FlushChars + 4096)];
        }

        var length = text.Length;
        text.CopyTo(0, _chunk, length);
        text.Clear();
        (_output?.Invoke() ?? Console.Out).Write(_chunk, 0, length);
    }
}
