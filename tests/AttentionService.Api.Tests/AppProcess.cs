using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace AttentionService.Api.Tests;

/// <summary>
/// The built service as its own process (<c>dotnet AttentionService.Api.dll</c>, next to the tests), on a free loopback
/// port: for what needs a real process (a heap hard limit, its resident memory, a signal). Disposing kills it if it runs.
/// </summary>
public sealed partial class AppProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private AppProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Tail(int count = 30) => string.Join('\n', _lines.TakeLast(count));

    /// <summary>Starts the service with <paramref name="environment"/> over Production defaults and waits (bounded) until it is ready.</summary>
    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AttentionService.Api.dll"));
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => Keep(app, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(app, "! " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(5) };
            await Polling.UntilAsync(() => !process.HasExited && IsReady(client), TimeSpan.FromSeconds(60), "the service to be ready");
            return app;
        }
        catch
        {
            app.Dispose();
            throw new InvalidOperationException($"the service did not become ready:\n{app.Tail()}");
        }
    }

    /// <summary>The peak resident memory of the process (<c>VmHWM</c>), in bytes.</summary>
    public long PeakResidentBytes() => StatusField("VmHWM");

    public long ResidentBytes() => StatusField("VmRSS");

    /// <summary>Sends SIGTERM, as a container runtime or Kubernetes does to stop it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static void Keep(AppProcess app, string? line)
    {
        if (line is not null)
        {
            app._lines.Enqueue(line);
            while (app._lines.Count > 500)
            {
                app._lines.TryDequeue(out _);
            }
        }
    }

    private static bool IsReady(HttpClient client)
    {
        try
        {
            using var response = client.GetAsync("/health/ready").GetAwaiter().GetResult();
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private long StatusField(string name)
    {
        var line = File.ReadLines($"/proc/{Id}/status").First(l => l.StartsWith(name + ":", StringComparison.Ordinal));
        return long.Parse(Kilobytes().Match(line).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    [GeneratedRegex(@"(\d+)\s*kB")]
    private static partial Regex Kilobytes();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
