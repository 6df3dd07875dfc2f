using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AttentionService.Api.Tests;

/// <summary>
/// A stand-in for an OpenTelemetry collector: an HTTP listener on a loopback port that accepts OTLP/HTTP protobuf
/// exports (<c>/v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>), keeps each body and answers 200 with an empty
/// (valid) export response.
/// </summary>
public sealed class OtlpCollector : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _loop;
    private int _disposed;

    public OtlpCollector()
    {
        // HttpListener cannot bind port 0; a port the OS just handed out is free unless something races for it.
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}");
        }

        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>What OTEL_EXPORTER_OTLP_ENDPOINT should say, such as http://127.0.0.1:41234.</summary>
    public Uri Endpoint { get; }

    /// <summary>Every export received: its path and body.</summary>
    public ConcurrentQueue<(string Path, byte[] Body)> Exports { get; } = new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stop.Token);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            using (var body = new MemoryStream())
            {
                await context.Request.InputStream.CopyToAsync(body);
                Exports.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                _arrived.Release();
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.ContentLength64 = 0;
            context.Response.Close();
        }
    }

    /// <summary>Waits (bounded) until an export to <paramref name="path"/> satisfies <paramref name="condition"/>.</summary>
    public async Task<byte[]?> WaitForAsync(string path, Func<byte[], bool> condition, TimeSpan timeout)
    {
        // Looks again each time an export arrives, until one fits or the time is up.
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            foreach (var (p, body) in Exports)
            {
                if (p == path && condition(body))
                {
                    return body;
                }
            }
        }
        while (deadline - DateTime.UtcNow is { Ticks: > 0 } left && await _arrived.WaitAsync(left));

        return null;
    }

    /// <summary>Stops listening; the factory disposes it from both Dispose and DisposeAsync, so a second call does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stop.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the loop ends with the listener
        }

        _stop.Dispose();
        _arrived.Dispose();
    }
}
