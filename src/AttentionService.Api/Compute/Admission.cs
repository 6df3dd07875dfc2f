using System.Threading.RateLimiting;
using AttentionService.Api.Hosting;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Compute;

/// <summary>
/// Admission to the engine in two steps. Intake: at most <c>MaxConcurrency + QueueLength</c> requests may hold a body
/// in memory; one more is refused at once, before its body is read. Compute: at most <c>MaxConcurrency</c> parse
/// and compute at once (writing the answer holds only the intake place), the rest wait oldest first, their wait cancelled by the request's deadline token (so
/// queueing counts toward the deadline). Once the host begins to stop, new requests are refused while admitted ones
/// finish.
/// </summary>
internal sealed class Admission : IDisposable
{
    private readonly ConcurrencyLimiter _intake;
    private readonly ConcurrencyLimiter _compute;
    private volatile bool _draining;

    public Admission(IOptions<AttentionOptions> options, IHostApplicationLifetime lifetime)
    {
        var engine = options.Value.Engine;
        PermitLimit = engine.EffectiveMaxConcurrency;
        QueueLength = engine.QueueLength;
        RetryAfterSeconds = engine.RetryAfterSeconds;
        _intake = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = PermitLimit + QueueLength, QueueLimit = 0 });
        _compute = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = PermitLimit,
            QueueLimit = QueueLength,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        lifetime.ApplicationStopping.Register(() => _draining = true);

        // Computations run on thread-pool threads (the request's own and the kernel's workers). Without headroom the
        // pool would be starved while they run, delaying the I/O callbacks that cancel them on disconnect or deadline
        // and the health checks, until it injects threads at its slow pace.
        ThreadPool.GetMinThreads(out var workers, out var io);
        var threadsPerComputation = engine.MaxDegreeOfParallelism > 0 ? engine.MaxDegreeOfParallelism : Environment.ProcessorCount;
        var needed = (PermitLimit * threadsPerComputation) + Environment.ProcessorCount + 4;
        if (workers < needed)
        {
            ThreadPool.SetMinThreads(needed, io);
        }
    }

    /// <summary>True once the host is stopping: readiness fails and new work is refused.</summary>
    public bool Draining => _draining;

    /// <summary>How many computations may run at once.</summary>
    public int PermitLimit { get; }

    /// <summary>How many may wait for a slot.</summary>
    public int QueueLength { get; }

    public int RetryAfterSeconds { get; }

    /// <summary>How many requests hold a compute slot now.</summary>
    public long Running => PermitLimit - (_compute.GetStatistics()?.CurrentAvailablePermits ?? PermitLimit);

    /// <summary>How many requests wait for a compute slot now.</summary>
    public long Waiting => _compute.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>Step one: a place for the request's body, or the reason there is none. Never waits.</summary>
    public Ticket? TryEnter(out string? refusal)
    {
        if (_draining)
        {
            refusal = "the service is shutting down; retry on another replica";
            return null;
        }

        var lease = _intake.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            refusal = $"all {PermitLimit} computation slots are busy and {QueueLength} requests are waiting";
            return null;
        }

        refusal = null;
        return new Ticket(this, lease);
    }

    public void Dispose()
    {
        _intake.Dispose();
        _compute.Dispose();
    }

    /// <summary>A request's place in the service: its intake lease, and its compute lease once it has one.</summary>
    internal sealed class Ticket(Admission admission, RateLimitLease intake) : IDisposable
    {
        private RateLimitLease? _compute;

        /// <summary>Step two: waits for a compute slot; false when the queue is full. Throws when <paramref name="deadline"/> fires first.</summary>
        public async ValueTask<bool> WaitForSlotAsync(CancellationToken deadline)
        {
            _compute = await admission._compute.AcquireAsync(1, deadline);
            return _compute.IsAcquired;
        }

        /// <summary>
        /// Gives the compute slot back once the engine is done: writing the answer waits on the client, and a client
        /// that reads slowly must not hold a core's slot. The intake place (memory) is kept until <see cref="Dispose"/>.
        /// </summary>
        public void ReleaseSlot()
        {
            _compute?.Dispose();
            _compute = null;
        }

        public void Dispose()
        {
            ReleaseSlot();
            intake.Dispose();
        }
    }
}
