using AttentionService.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AttentionService.Api.Health;

/// <summary>
/// Computes one small attention at start-up; readiness waits for it, so a replica takes traffic only once its engine
/// works, and fails again as soon as the host starts stopping, so a gateway stops sending work.
/// </summary>
internal sealed partial class EngineWarmup(AttentionEngine engine, Hosting.Admission admission, ILogger<EngineWarmup> logger) : BackgroundService, IHealthCheck
{
    private volatile string? _failure;
    private volatile bool _ready;

    public bool IsReady => _ready;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The second article's corrected example: weights [0.030351, 0.969649].
            using var result = engine.Compute(
                new AttentionProblem<float>
                {
                    Query = TensorData.Wrap(new float[] { 1, 2, 3 }, 1, 3),
                    Key = TensorData.Wrap(new float[] { 4, 6, 8, 5, 7, 9 }, 2, 3),
                    Value = TensorData.Wrap(new float[] { 1, 0, 0, 1 }, 2, 2),
                },
                stoppingToken);
            var w = result.Weights!.Span[1];
            if (Math.Abs(w - 0.9696489f) > 1e-5f)
            {
                throw new InvalidOperationException($"warm-up answered weight {w}, expected 0.969649");
            }

            _ready = true;
            LogWarm(logger, engine.KernelPath);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failure = e.Message;
            LogWarmupFailed(logger, e);
        }

        return Task.CompletedTask;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            admission.Draining ? HealthCheckResult.Unhealthy("shutting down: in-flight computations finish, new ones are refused")
            : _ready ? HealthCheckResult.Healthy($"engine warm ({engine.KernelPath} kernels)")
            : _failure is { } failure ? HealthCheckResult.Unhealthy($"engine warm-up failed: {failure}")
            : HealthCheckResult.Unhealthy("engine warming up"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Engine warm: {KernelPath} kernels")]
    private static partial void LogWarm(ILogger logger, Engine.Kernels.KernelPath kernelPath);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Engine warm-up failed; the service stays unready")]
    private static partial void LogWarmupFailed(ILogger logger, Exception exception);
}
