namespace AttentionService.Deployment.Tests;

/// <summary>`dotnet AttentionService.Api.dll --probe URL`, the container health check: 0 for a 2xx answer, 1 for anything else.</summary>
[Collection(nameof(Published))]
public class ProbeTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Probe_ExitsZeroOnlyWhenTheUrlAnswers2xx()
    {
        using var instance = await ServiceInstance.StartAsync(fixture, "probed", new Dictionary<string, string?>());
        var closed = new Uri($"http://127.0.0.1:{ClosedPort()}/health/live");

        (await ProbeAsync(new Uri(instance.Address, "/health/ready"))).ExitCode.ShouldBe(0);
        (await ProbeAsync(new Uri(instance.Address, "/health/live"))).ExitCode.ShouldBe(0);
        (await ProbeAsync(new Uri(instance.Address, "/no-such-path"))).ExitCode.ShouldBe(1);
        var refused = await ProbeAsync(closed);
        refused.ExitCode.ShouldBe(1);
        refused.Output.ShouldContain("did not answer");
    }

    [Fact]
    public async Task Probe_WithoutAUrl_ExitsOne_AndStartsNoHost()
    {
        var (exitCode, output) = await ChildProcess.RunAsync("probe", "dotnet", [fixture.AssemblyPath, "--probe"], fixture.AppDirectory, TimeSpan.FromSeconds(30));

        exitCode.ShouldBe(1);
        output.ShouldContain("usage: --probe");
        output.ShouldNotContain("Now listening");
    }

    private async Task<(int ExitCode, string Output)> ProbeAsync(Uri url) =>
        await ChildProcess.RunAsync("probe", "dotnet", [fixture.AssemblyPath, "--probe", url.ToString()], fixture.AppDirectory, TimeSpan.FromSeconds(30));

    private static int ClosedPort()
    {
        // A port the OS just handed out and took back: nothing listens there.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
