using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Hosting;

/// <summary>
/// Admission to the engine: at most <c>MaxConcurrency</c> computations at once and <c>QueueLength</c> waiting,
/// oldest first; a request past both is refused at once. Once the host begins to stop, every new request is refused
/// while the admitted ones (queued included) finish. The wait is cancelled by the request's deadline token, so time
/// spent queued counts toward the deadline.
/// </summary>
internal sealed class Admission : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private volatile bool _draining;

    public Admission(IOptions<AttentionOptions> options, IHostApplicationLifetime lifetime)
    {
        var engine = options.Value.Engine;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = engine.EffectiveMaxConcurrency,
            QueueLimit = engine.QueueLength,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        RetryAfterSeconds = engine.RetryAfterSeconds;
        PermitLimit = engine.EffectiveMaxConcurrency;
        lifetime.ApplicationStopping.Register(() => _draining = true);

        // Computations run on thread-pool threads (the request's own and the kernel's workers). Without headroom the
        // pool would be starved while they run, delaying the I/O callbacks that cancel them on disconnect or deadline
        // and the health checks, until it injects threads at its slow pace.
        ThreadPool.GetMinThreads(out var workers, out var io);
        var needed = (PermitLimit * Math.Max(1, options.Value.Engine.MaxDegreeOfParallelism is > 0 and var d ? d : Environment.ProcessorCount)) + Environment.ProcessorCount + 4;
        if (workers < needed)
        {
            ThreadPool.SetMinThreads(needed, io);
        }
    }

    /// <summary>How many computations may run at once.</summary>
    public int PermitLimit { get; }

    /// <summary>How many computations hold a slot now.</summary>
    public long Running => PermitLimit - (_limiter.GetStatistics()?.CurrentAvailablePermits ?? PermitLimit);

    /// <summary>True once the host is stopping: readiness fails and new work is refused.</summary>
    public bool Draining => _draining;

    public int RetryAfterSeconds { get; }

    /// <summary>A lease that is acquired, or not (queue full, or draining). Throws when <paramref name="deadline"/> fires while queued.</summary>
    public async ValueTask<(RateLimitLease Lease, string? Refusal)> AcquireAsync(CancellationToken deadline)
    {
        if (_draining)
        {
            return (FailedLease.Instance, "the service is shutting down; retry on another replica");
        }

        var lease = await _limiter.AcquireAsync(1, deadline);
        return lease.IsAcquired
            ? (lease, null)
            : (lease, $"every computation slot is busy and the queue is full ({_limiter.GetStatistics()?.CurrentQueuedCount ?? 0} waiting)");
    }

    public void Dispose() => _limiter.Dispose();

    private sealed class FailedLease : RateLimitLease
    {
        public static readonly FailedLease Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
