using Serilog.Sinks.Async;

namespace AttentionService.Api.Logging;

/// <summary>
/// Watches the bounded buffer in front of the console sink: how many events wait, and how many were dropped because
/// the console could not keep up (the request thread never waits for the console). Read by the
/// <c>attention.log.dropped</c> and <c>attention.log.queued</c> metrics.
/// </summary>
internal sealed class LogBuffer : IAsyncLogEventSinkMonitor
{
    private IAsyncLogEventSinkInspector? _inspector;
    private long _droppedBefore;

    /// <summary>Events dropped since start.</summary>
    public long Dropped => _droppedBefore + (_inspector?.DroppedMessagesCount ?? 0);

    /// <summary>Events waiting to be written now.</summary>
    public long Queued
    {
        get
        {
            try
            {
                return _inspector?.Count ?? 0;
            }
            catch (ObjectDisposedException)
            {
                return 0;
            }
        }
    }

    public void StartMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = inspector;

    public void StopMonitoring(IAsyncLogEventSinkInspector inspector)
    {
        ArgumentNullException.ThrowIfNull(inspector);
        _droppedBefore += inspector.DroppedMessagesCount;
        _inspector = null;
    }
}
