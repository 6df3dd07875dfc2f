using System.Net;
using System.Net.Sockets;

namespace AttentionService.Deployment.Tests;

/// <summary>
/// A stand-in replica that answers every request 503 with Retry-After, as the service does when its queue is full or
/// it is shutting down (API.md): nginx must send the request to another replica.
/// </summary>
internal sealed class UnavailableReplica : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private int _answered;

    public UnavailableReplica()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Address = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        _listener.Prefixes.Add(Address.ToString());
        _listener.Start();
        _serving = ServeAsync();
    }

    public Uri Address { get; }

    /// <summary>How many requests it refused.</summary>
    public int Answered => Volatile.Read(ref _answered);

    private async Task ServeAsync()
    {
        // Ends when Dispose stops the listener.
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Interlocked.Increment(ref _answered);
            context.Response.StatusCode = (int)HttpStatusCode.ServiceUnavailable;
            context.Response.Headers["Retry-After"] = "1";
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
