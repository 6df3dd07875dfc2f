using System.Net;
using System.Net.Sockets;

namespace AttentionService.Deployment.Tests;

/// <summary>A real nginx (a child process in the foreground) running the repository's gateway configuration on loopback.</summary>
public sealed class NginxGateway : IDisposable
{
    /// <summary>Where Debian's nginx package installs the binary.</summary>
    public const string Binary = "/usr/sbin/nginx";

    public const string InstallHint = "nginx is not installed; `apt-get install -y nginx` (as .ci/run does) to run the gateway tests";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly ChildProcess _process;
    private readonly DirectoryInfo _directory;

    private NginxGateway(ChildProcess process, DirectoryInfo directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
    }

    public static bool IsInstalled => File.Exists(Binary);

    /// <summary>Such as http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    public string Tail => _process.Tail();

    /// <summary>What nginx wrote so far: its access log (stdout) and error log (stderr).</summary>
    public IReadOnlyCollection<string> Lines => _process.Lines;

    public static async Task<NginxGateway> StartAsync(IReadOnlyList<Uri> upstreams)
    {
        var directory = Directory.CreateTempSubdirectory("attention-nginx-");
        try
        {
            // Run as root, nginx's workers are `nobody` and must reach the scratch directories below.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            var port = FreeLoopbackPort();
            var conf = Path.Combine(directory.FullName, "nginx.conf");
            await File.WriteAllTextAsync(conf, NginxConfig.ForLoopback(Repo.Read(NginxConfig.RepositoryPath), upstreams, port, directory.FullName));

            var process = ChildProcess.Start(
                "nginx",
                Binary,
                ["-e", "stderr", "-p", directory.FullName + "/", "-c", conf, "-g", $"daemon off; pid {Path.Combine(directory.FullName, "nginx.pid")}; error_log stderr notice;"],
                directory.FullName,
                new Dictionary<string, string?>());
            var gateway = new NginxGateway(process, directory, new Uri($"http://127.0.0.1:{port}/"));
            try
            {
                await gateway.WaitHealthyAsync();
            }
            catch
            {
                gateway.Dispose();
                throw;
            }

            return gateway;
        }
        catch
        {
            TryDelete(directory);
            throw;
        }
    }

    private async Task WaitHealthyAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(Address, "/healthz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"nginx did not answer /healthz within {StartTimeout.TotalSeconds:0} s (exited: {_process.HasExited})\n{Tail}");
    }

    private static int FreeLoopbackPort()
    {
        // nginx cannot report a port it picked, so take one the OS just handed out; a collision fails the start loudly.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _process.Dispose();
        TryDelete(_directory);
    }

    private static void TryDelete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // left for the OS's temp cleanup
        }
        catch (UnauthorizedAccessException)
        {
            // nginx's workers may own a scratch file; left for the OS's temp cleanup
        }
    }
}
