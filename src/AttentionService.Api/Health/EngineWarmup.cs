using AttentionService.Api.Attention;
using AttentionService.Api.Compute;
using AttentionService.Api.Multihead;
using AttentionService.Api.SelfAttention;
using AttentionService.Api.Wire;
using AttentionService.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AttentionService.Api.Health;

/// <summary>
/// Computes one small attention at start-up; readiness waits for it, so a replica takes traffic only once its engine
/// works, and fails again as soon as the host starts stopping, so a gateway stops sending work.
/// </summary>
internal sealed partial class EngineWarmup(AttentionEngine engine, Admission admission, ILogger<EngineWarmup> logger) : BackgroundService, IHealthCheck
{
    private volatile string? _failure;
    private volatile bool _ready;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // let the host finish starting; readiness reports "warming up" meanwhile
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

            WarmKernels(stoppingToken);
            await WarmJsonAsync(result);
            _ready = true;
            LogWarm(logger, engine.KernelPath);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failure = e.Message;
            LogWarmupFailed(logger, e);
        }
    }

    /// <summary>Reads every documented request example and writes one answer, so the first request's JSON is not cold either.</summary>
    private static async Task WarmJsonAsync(AttentionResult<float> result)
    {
        foreach (var example in AttentionExamples.All.Items)
        {
            RequestBody.Parse(System.Text.Encoding.UTF8.GetBytes(example.Json), AppJsonContext.Default.AttentionRequest).Value?.Dispose();
        }

        foreach (var example in SelfAttentionExamples.All.Items)
        {
            RequestBody.Parse(System.Text.Encoding.UTF8.GetBytes(example.Json), AppJsonContext.Default.SelfAttentionRequest).Value?.Dispose();
        }

        foreach (var example in MultiheadExamples.All.Items)
        {
            RequestBody.Parse(System.Text.Encoding.UTF8.GetBytes(example.Json), AppJsonContext.Default.MultiheadRequest).Value?.Dispose();
        }

        using var buffer = new PooledBufferWriter(4096);
        await using var writer = new System.Text.Json.Utf8JsonWriter(buffer);
        foreach (var encoding in new[] { TensorEncoding.Nested, TensorEncoding.Base64 })
        {
            writer.Reset();
            await AttentionResponseWriter.WriteAsync(writer, result, Precision.Float32, encoding, () => false, () => ValueTask.CompletedTask);
            await writer.FlushAsync();
            buffer.Clear();
        }
    }

    /// <summary>
    /// Runs the kernels for about half a second, in both precisions, with and without weights, so the tiered JIT has
    /// optimized them before the first client request: cold, a small attention takes ten times as long.
    /// </summary>
    private void WarmKernels(CancellationToken stoppingToken)
    {
        const int n = 160, d = 64;
        var rng = new Random(1);
        var floats = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble()).ToArray();
        var doubles = floats.Select(x => (double)x).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; clock.ElapsedMilliseconds < 500 && !stoppingToken.IsCancellationRequested; i++)
        {
            var x = TensorData.Wrap(floats, n, d);
            var y = TensorData.Wrap(doubles, n, d);
            engine.Compute(new AttentionProblem<float> { Query = x, Key = x, Value = x, ReturnWeights = i % 2 == 0, Causal = i % 3 == 0 }, stoppingToken).Dispose();
            engine.Compute(new AttentionProblem<double> { Query = y, Key = y, Value = y, ReturnWeights = i % 2 == 0 }, stoppingToken).Dispose();
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            admission.Draining ? HealthCheckResult.Unhealthy("shutting down: in-flight computations finish, new ones are refused")
            : admission.Memory.Shortage() is { } shortage ? HealthCheckResult.Unhealthy(shortage)
            : _ready ? HealthCheckResult.Healthy($"engine warm ({engine.KernelPath} kernels)")
            : _failure is { } failure ? HealthCheckResult.Unhealthy($"engine warm-up failed: {failure}")
            : HealthCheckResult.Unhealthy("engine warming up"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Engine warm: {KernelPath} kernels")]
    private static partial void LogWarm(ILogger logger, Engine.Kernels.KernelPath kernelPath);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Engine warm-up failed; the service stays unready")]
    private static partial void LogWarmupFailed(ILogger logger, Exception exception);
}
