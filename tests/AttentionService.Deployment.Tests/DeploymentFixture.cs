namespace AttentionService.Deployment.Tests;

/// <summary>
/// The application published once per test run the way the Dockerfile publishes it, and a gateway deployment (two
/// instances behind nginx) started on first use and shared by the tests that leave it as they found it.
/// </summary>
public sealed class DeploymentFixture : IAsyncLifetime
{
    /// <summary>The assembly the Dockerfile's ENTRYPOINT runs.</summary>
    public const string Assembly = "AttentionService.Api.dll";

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);
    private readonly Lock _sharedGate = new();
    private DirectoryInfo? _root;
    private Task<GatewayDeployment>? _shared;

    /// <summary>The publish output: what the image's /app holds.</summary>
    public string AppDirectory { get; private set; } = "";

    public string AssemblyPath => Path.Combine(AppDirectory, Assembly);

    public async Task InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("attention-deploy-");
        AppDirectory = Path.Combine(_root.FullName, "app");

        // The Dockerfile's `dotnet publish ... -c Release -o /app -p:UseAppHost=false`, with no build servers left behind.
        var (code, output) = await ChildProcess.RunAsync(
            "dotnet publish",
            "dotnet",
            ["publish", Repo.PathOf("src/AttentionService.Api/AttentionService.Api.csproj"), "-c", "Release", "-o", AppDirectory, "-p:UseAppHost=false", "--disable-build-servers", "-nologo"],
            Repo.Root,
            PublishTimeout);
        code.ShouldBe(0, $"dotnet publish failed:\n{output}");
    }

    /// <summary>Two instances trusting forwarded headers from loopback, behind nginx with the repository's configuration.</summary>
    public Task<GatewayDeployment> SharedDeploymentAsync()
    {
        lock (_sharedGate)
        {
            // A failed start is not retried: every test that shares it reports the same failure.
            return _shared ??= GatewayDeployment.StartAsync(this, "shared");
        }
    }

    public Task DisposeAsync()
    {
        if (_shared is { IsCompletedSuccessfully: true })
        {
            _shared.Result.Dispose();
        }

        try
        {
            _root?.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a killed process may still hold a file for a moment; the temp directory is cleaned eventually
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(nameof(Published))]
public sealed class Published : ICollectionFixture<DeploymentFixture>;
