using System.Net;
using System.Threading.RateLimiting;
using AttentionService.Api.Hosting;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Compute;

/// <summary>
/// Admission to the engine in two steps. Intake: at most <c>MaxConcurrency + QueueLength</c> requests may hold a body
/// in memory, and one client address at most <c>MaxIntakePerClient</c> of them; one more is refused at once, before
/// its body is read. Compute: at most <c>MaxConcurrency</c> parse and compute at once (writing the answer holds only
/// the intake place), the rest wait oldest first, their wait cancelled by the request's deadline token (so queueing
/// counts toward the deadline). Memory: each request is charged the bytes it holds against the
/// <see cref="MemoryBudget"/> before it holds them. Once the host begins to stop, new requests are refused while
/// admitted ones finish.
/// </summary>
internal sealed class Admission : IDisposable
{
    private readonly ConcurrencyLimiter _intake;
    private readonly ConcurrencyLimiter _compute;
    private readonly Dictionary<IPAddress, int> _perClient = [];
    private readonly CancellationToken _stopping;

    public Admission(IOptions<AttentionOptions> options, IHostApplicationLifetime lifetime, MemoryBudget memory)
    {
        var engine = options.Value.Engine;
        PermitLimit = engine.EffectiveMaxConcurrency;
        QueueLength = engine.QueueLength;
        RetryAfterSeconds = engine.RetryAfterSeconds;
        PerClientLimit = engine.EffectiveMaxIntakePerClient;
        Memory = memory;
        _intake = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = PermitLimit + QueueLength, QueueLimit = 0 });
        _compute = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = PermitLimit,
            QueueLimit = QueueLength,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        // The token itself, not a flag its callback sets: the token reads as cancelled before its callbacks run, and
        // readiness and admission must not lag the host's own stopping by the time other callbacks take.
        _stopping = lifetime.ApplicationStopping;

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
    public bool Draining => _stopping.IsCancellationRequested;

    /// <summary>How many computations may run at once.</summary>
    public int PermitLimit { get; }

    /// <summary>How many may wait for a slot.</summary>
    public int QueueLength { get; }

    public int RetryAfterSeconds { get; }

    /// <summary>How many intake places one client address may hold.</summary>
    public int PerClientLimit { get; }

    /// <summary>The bytes all requests together may hold.</summary>
    public MemoryBudget Memory { get; }

    /// <summary>How many requests hold a compute slot now.</summary>
    public long Running => PermitLimit - (_compute.GetStatistics()?.CurrentAvailablePermits ?? PermitLimit);

    /// <summary>How many requests wait for a compute slot now.</summary>
    public long Waiting => _compute.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>Step one: a place for the request's body, or why there is none (503, or 429 for a client over its share). Never waits.</summary>
    public Ticket? TryEnter(IPAddress? client, out Refusal? refusal)
    {
        if (Draining)
        {
            refusal = new(StatusCodes.Status503ServiceUnavailable, "The service is busy", "the service is shutting down; retry on another replica");
            return null;
        }

        client ??= IPAddress.None;
        lock (_perClient)
        {
            var held = _perClient.GetValueOrDefault(client);
            if (held >= PerClientLimit)
            {
                refusal = new(StatusCodes.Status429TooManyRequests, "Too many requests from this client at once",
                    $"this client already has {held} requests in the service, the most one client address may have (Attention:Engine:MaxIntakePerClient); retry once one has been answered");
                return null;
            }

            _perClient[client] = held + 1;
        }

        var lease = _intake.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            Leave(client);
            refusal = new(StatusCodes.Status503ServiceUnavailable, "The service is busy", $"all {PermitLimit} computation slots are busy and {QueueLength} requests are waiting");
            return null;
        }

        refusal = null;
        return new Ticket(this, lease, client);
    }

    private void Leave(IPAddress client)
    {
        lock (_perClient)
        {
            if (_perClient[client] <= 1)
            {
                _perClient.Remove(client);
            }
            else
            {
                _perClient[client]--;
            }
        }
    }

    public void Dispose()
    {
        _intake.Dispose();
        _compute.Dispose();
    }

    /// <summary>Why a request was not taken in: the status (503 or 429) and what to tell the client.</summary>
    internal sealed record Refusal(int Status, string Title, string Detail);

    /// <summary>A request's place in the service: its intake lease, its compute lease once it has one, and the bytes it is charged.</summary>
    internal sealed class Ticket(Admission admission, RateLimitLease intake, IPAddress client) : IDisposable
    {
        private RateLimitLease? _compute;
        private long _charged;
        private bool _disposed;

        /// <summary>The bytes this request is charged now.</summary>
        public long Charged => _charged;

        /// <summary>The bytes all requests together may hold.</summary>
        public long Budget => admission.Memory.Total;

        public int RetryAfterSeconds => admission.RetryAfterSeconds;

        /// <summary>Step two: waits for a compute slot; false when the queue is full. Throws when <paramref name="deadline"/> fires first.</summary>
        public async ValueTask<bool> WaitForSlotAsync(CancellationToken deadline)
        {
            _compute = await admission._compute.AcquireAsync(1, deadline);
            return _compute.IsAcquired;
        }

        /// <summary>Charges <paramref name="bytes"/> more before they are allocated; false when the budget has no room for them now.</summary>
        public bool TryCharge(long bytes)
        {
            if (!admission.Memory.TryCharge(bytes))
            {
                return false;
            }

            _charged += bytes;
            return true;
        }

        /// <summary>Whether charging <paramref name="bytes"/> more could ever succeed, even with every other request gone.</summary>
        public bool CouldEverCharge(long bytes) => _charged + bytes <= admission.Memory.Total;

        /// <summary>Gives back <paramref name="bytes"/> of this request's charge once the memory is no longer held.</summary>
        public void Release(long bytes)
        {
            bytes = Math.Min(bytes, _charged);
            if (bytes <= 0)
            {
                return;
            }

            _charged -= bytes;
            admission.Memory.Release(bytes);
        }

        /// <summary>
        /// Gives the compute slot back once the engine is done: writing the answer waits on the client, and a client
        /// that reads slowly must not hold a core's slot. The intake place and the memory are kept until <see cref="Dispose"/>.
        /// </summary>
        public void ReleaseSlot()
        {
            _compute?.Dispose();
            _compute = null;
        }

        public void Dispose()
        {
            ReleaseSlot();
            if (!_disposed)
            {
                _disposed = true;
                Release(_charged);
                intake.Dispose();
                admission.Leave(client);
            }
        }
    }
}
