namespace AttentionService.Api.Logging;

/// <summary>
/// The counts of the bounded buffer in front of the console (<see cref="BufferedConsoleSink"/>): how many events wait,
/// and how many were dropped because the console could not keep up (the request thread never waits for the console).
/// Read by the <c>attention.log.dropped</c> and <c>attention.log.queued</c> metrics.
/// </summary>
internal sealed class LogBuffer
{
    private long _queued;
    private long _dropped;

    /// <summary>Events dropped since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events waiting to be written now.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>Counts one more dropped event.</summary>
    internal void Drop() => Interlocked.Increment(ref _dropped);

    /// <summary>How many events the sink holds now.</summary>
    internal void Held(long events) => Interlocked.Exchange(ref _queued, events);
}
