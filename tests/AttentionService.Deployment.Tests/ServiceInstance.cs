using System.Net;
using System.Text.Json;

namespace AttentionService.Deployment.Tests;

/// <summary>One instance of the published service on a loopback port the OS picked, in Production (JSON logs).</summary>
public sealed class ServiceInstance : IDisposable
{
    private const string EventName = "Name";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly ChildProcess _process;

    private ServiceInstance(ChildProcess process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public string Name => _process.Name;

    /// <summary>Where it listens, such as http://127.0.0.1:41234.</summary>
    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Tail => _process.Tail();

    internal ChildProcess Process => _process;

    /// <summary>Starts an instance and waits (bounded) until /health/ready answers 200.</summary>
    /// <param name="fixture">The published application.</param>
    /// <param name="name">A name for failure messages.</param>
    /// <param name="settings">Environment variables over the defaults, such as <c>Attention__Gateway__KnownNetworks__0</c>.</param>
    public static async Task<ServiceInstance> StartAsync(DeploymentFixture fixture, string name, IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        ArgumentNullException.ThrowIfNull(settings);
        var process = Launch(fixture, name, settings);
        try
        {
            var address = await ListeningAddressAsync(process);
            var instance = new ServiceInstance(process, address);
            await instance.WaitReadyAsync();
            return instance;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Starts the published application without waiting for it: for start-up failures.</summary>
    internal static ChildProcess Launch(DeploymentFixture fixture, string name, IReadOnlyDictionary<string, string?> settings)
    {
        var environment = new Dictionary<string, string?>
        {
            // Port 0: Kestrel binds a free loopback port and logs it, so no two tests race for one.
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = null,
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        // The working directory is the publish directory, as WORKDIR /app in the image: appsettings.json is found there.
        return ChildProcess.Start(name, "dotnet", [fixture.AssemblyPath], fixture.AppDirectory, environment);
    }

    private static async Task<Uri> ListeningAddressAsync(ChildProcess process)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            foreach (var log in JsonLines(process.Lines))
            {
                if (log.TryGetProperty("EventId", out var id) && id.TryGetProperty(EventName, out var eventName) && eventName.GetString() == "ListeningOnAddress")
                {
                    return new Uri(log.GetProperty("address").GetString()!);
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{process.Name} logged no listening address within {StartTimeout.TotalSeconds:0} s (exited: {process.HasExited})\n{process.Tail()}");
    }

    private async Task WaitReadyAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        var last = "no answer";
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(Address, "/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = response.StatusCode.ToString();
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{Name} was not ready within {StartTimeout.TotalSeconds:0} s ({last})\n{Tail}");
    }

    /// <summary>The request-log events (one JSON object a line, with <c>ClientAddress</c>) written so far.</summary>
    public IEnumerable<JsonElement> RequestLogs() => JsonLines(_process.Lines).Where(l => l.TryGetProperty("ClientAddress", out _));

    /// <summary>Every JSON log event written so far.</summary>
    public IEnumerable<JsonElement> Logs() => JsonLines(_process.Lines);

    /// <summary>The request-log event of the request that carried <paramref name="traceId"/> in its traceparent, if this instance served it.</summary>
    public JsonElement? RequestLog(string traceId) =>
        RequestLogs().Where(l => l.GetProperty("TraceId").GetString()!.Contains(traceId, StringComparison.Ordinal)).Select(l => (JsonElement?)l).FirstOrDefault();

    /// <summary>Stops it as `docker stop` and the kubelet do: SIGTERM, then a bounded wait.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        await _process.SignalAsync("TERM");
        return await _process.WaitForExitAsync(timeout);
    }

    public void Dispose() => _process.Dispose();

    private static IEnumerable<JsonElement> JsonLines(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            JsonElement element;
            try
            {
                using var document = JsonDocument.Parse(line);
                element = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;
            }

            yield return element;
        }
    }
}
