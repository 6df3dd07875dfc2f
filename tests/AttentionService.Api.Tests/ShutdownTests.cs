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
        await UntilComputingAsync(client); // read and admitted: it holds the compute slot

        var clock = Stopwatch.StartNew();
        app.Terminate();
        var refused = false;
        var refusedAt = TimeSpan.Zero;
        while (!refused && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, app.Address.Port);
                await Task.Delay(20); // still listening: ask again shortly
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                refused = true;
                refusedAt = clock.Elapsed;
            }
        }

        using var answer = await inFlight;
        var answered = clock.Elapsed;
        (await app.WaitForExitAsync(TimeSpan.FromSeconds(90))).ShouldBeTrue(app.Tail());
        output.WriteLine($"after SIGTERM: a new connection {(refused ? $"was refused at {refusedAt.TotalSeconds:0.00} s" : "was still accepted after 10 s")}; the computation in flight answered {(int)answer.StatusCode} at {answered.TotalSeconds:0.0} s; the process exited with {app.ExitCode} at {clock.Elapsed.TotalSeconds:0.0} s");

        refused.ShouldBeTrue();
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        app.ExitCode.ShouldBe(0);
    }

    /// <summary>Waits (bounded) until the service's own metric says a computation holds its slot.</summary>
    private static async Task UntilComputingAsync(HttpClient client)
    {
        var running = new System.Text.RegularExpressions.Regex(@"^attention_computations_running(\{[^}]*\})? 1(\s|$)", System.Text.RegularExpressions.RegexOptions.Multiline);
        var deadline = Stopwatch.StartNew();
        while (!running.IsMatch(await client.GetStringAsync("/metrics")))
        {
            deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the computation never started");
            await Task.Delay(20);
        }
    }
}
