using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests;

/// <summary>What SIGTERM does to the real process: what the README's limits section describes.</summary>
[Collection(nameof(Exclusive))]
public class ShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SigTerm_FailsReadiness_RefusesNewConnections_FinishesWorkInFlight_AndExitsZero()
    {
        using var app = await AppProcess.StartAsync(new Dictionary<string, string>
        {
            ["Attention__Engine__KernelPath"] = "Scalar",
            ["Attention__Engine__MaxDegreeOfParallelism"] = "1",
            ["Attention__Engine__TimeoutSeconds"] = "120",
            ["ShutdownTimeoutSeconds"] = "90", // generous: a busy CI machine must not turn this into a test of speed
        });
        using var client = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(60) };
        var inFlight = client.PostAsync("/v1/attention", KestrelServiceFactory.SlowProblem(3000)); // about 1.3 s of work
        await Task.Delay(1000); // read and admitted: a 100 kB body

        var clock = Stopwatch.StartNew();
        app.Terminate();
        await Task.Delay(300);
        var refused = false;
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, app.Address.Port);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            refused = true;
        }

        using var answer = await inFlight;
        var answered = clock.Elapsed;
        (await app.WaitForExitAsync(TimeSpan.FromSeconds(90))).ShouldBeTrue(app.Tail());
        output.WriteLine($"after SIGTERM: a new connection {(refused ? "was refused" : "was accepted")} at 0.3 s; the computation in flight answered {(int)answer.StatusCode} at {answered.TotalSeconds:0.0} s; the process exited with {app.ExitCode} at {clock.Elapsed.TotalSeconds:0.0} s");

        refused.ShouldBeTrue();
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        app.ExitCode.ShouldBe(0);
    }
}
