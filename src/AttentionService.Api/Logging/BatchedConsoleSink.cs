using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace AttentionService.Api.Logging;

/// <summary>
/// The JSON console sink behind the asynchronous buffer: formats each event with the given formatter into a text
/// buffer and writes to the console only when the buffer has nothing more waiting (or 32 KB have gathered), so a busy
/// service makes one console write per batch instead of one per request. Serilog.Sinks.Console flushes after every
/// event, which costs a system call per request line; that is the only reason this sink exists. Lines are written in
/// order and whole, and none waits longer than the events queued behind it: the last event of a burst finds the queue
/// empty and flushes.
/// </summary>
/// <remarks>
/// Called only from the asynchronous sink's single worker thread, so it needs no lock of its own. The console is
/// <see cref="Console.Out"/> at the time of each write unless <paramref name="output"/> names another writer.
/// </remarks>
internal sealed class BatchedConsoleSink(ITextFormatter formatter, LogBuffer buffer, Func<TextWriter>? output = null) : ILogEventSink, IDisposable
{
    private const int FlushChars = 32 * 1024;

    private readonly StringWriter _pending = new(CultureInfo.InvariantCulture);
    private char[] _chunk = [];

    public void Emit(LogEvent logEvent)
    {
        formatter.Format(logEvent, _pending);
        if (buffer.Queued == 0 || _pending.GetStringBuilder().Length >= FlushChars)
        {
            Flush();
        }
    }

    public void Dispose() => Flush();

    private void Flush()
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

        text.CopyTo(0, _chunk, text.Length);
        (output?.Invoke() ?? Console.Out).Write(_chunk, 0, text.Length);
        text.Clear();
    }
}
