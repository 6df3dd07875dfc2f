namespace AttentionService.Deployment.Tests;

/// <summary>The Dockerfile checked without a Docker engine: what it copies exists, what it runs is what publish produces, how it is run matches compose and Kubernetes.</summary>
public class DockerfileTests
{
    private readonly Dockerfile _dockerfile = Dockerfile.Load();

    [Fact]
    public void EveryCopySource_ExistsInTheBuildContext_AndIsNotIgnored()
    {
        var sources = _dockerfile.ContextSources().ToList();

        sources.ShouldNotBeEmpty();
        foreach (var source in sources)
        {
            var path = Repo.PathOf(source);
            (File.Exists(path) || Directory.Exists(path)).ShouldBeTrue($"COPY {source}: no such file or directory in the repository");
            _dockerfile.IsIgnored(source).ShouldBeFalse($"COPY {source}: .dockerignore leaves it out of the build context");
        }
    }

    [Fact]
    public void CopiedSourceTrees_KeepEverySourceFile_AndLeaveBuildOutputsOut()
    {
        var sourceFiles = Directory.EnumerateFiles(Repo.PathOf("src"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repo.Root, f).Replace('\\', '/'))
            .ToList();

        sourceFiles.Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Where(_dockerfile.IsIgnored).ShouldBeEmpty();
        _dockerfile.IsIgnored("src/AttentionService.Api/obj/project.assets.json").ShouldBeTrue("a host's restore output would clash with the image's");
        _dockerfile.IsIgnored("src/AttentionService.Api/bin/Debug/net10.0/AttentionService.Api.dll").ShouldBeTrue();
    }

    [Fact]
    public void Stages_BuildWithTheSdk_AndRunOnTheChiseledAspNetRuntime()
    {
        var stages = _dockerfile.All("FROM").ToList();

        stages.Count.ShouldBe(2);
        stages[0].ShouldStartWith("mcr.microsoft.com/dotnet/sdk:10.0");
        stages[1].ShouldStartWith("mcr.microsoft.com/dotnet/aspnet:10.0");
        stages[1].ShouldContain("chiseled");
        _dockerfile.All("RUN").ShouldContain(r => r.StartsWith("dotnet publish", StringComparison.Ordinal) && r.Contains("-c Release") && r.Contains("-o /app") && r.Contains("-p:UseAppHost=false"));
    }

    [Fact]
    public void Runtime_IsNonRoot_OnPort8080_InProduction_WithAHealthCheckAndATermSignal()
    {
        var env = _dockerfile.Environment();

        env["ASPNETCORE_HTTP_PORTS"].ShouldBe("8080");
        env["ASPNETCORE_ENVIRONMENT"].ShouldBe("Production");
        _dockerfile.Single("EXPOSE").ShouldBe("8080");
        _dockerfile.Single("USER").ShouldBe("$APP_UID", "the chiseled image's non-root user");
        _dockerfile.Single("STOPSIGNAL").ShouldBe("SIGTERM");

        var check = _dockerfile.Single("HEALTHCHECK");
        check.ShouldContain("--timeout=");
        Dockerfile.ExecForm(check).ShouldBe(["dotnet", DeploymentFixture.Assembly, "--probe", "http://127.0.0.1:8080/health/ready"]);
    }

    [Fact]
    public void ShutdownTimeout_FitsInEveryStopGrace()
    {
        var shutdown = int.Parse(_dockerfile.Environment()["DOTNET_SHUTDOWNTIMEOUTSECONDS"]);

        shutdown.ShouldBe(25);
        Manifests.ComposeStopGraceSeconds().ShouldAllBe(grace => grace > shutdown);
        var (grace, preStop) = Manifests.KubernetesGrace();
        grace.ShouldBeGreaterThan(preStop + shutdown, "terminationGracePeriodSeconds covers the preStop pause and the host's shutdown");
        Manifests.ConfigMapData()["DOTNET_SHUTDOWNTIMEOUTSECONDS"].ShouldBe(shutdown.ToString());
    }
}

/// <summary>The entry point checked against a real publish.</summary>
[Collection(nameof(Published))]
public class DockerfileEntryPointTests(DeploymentFixture fixture)
{
    [Fact]
    public void EntryPoint_RunsTheAssemblyThatPublishProduces()
    {
        var entryPoint = Dockerfile.ExecForm(Dockerfile.Load().Single("ENTRYPOINT"));

        entryPoint.ShouldBe(["dotnet", DeploymentFixture.Assembly]);
        File.Exists(Path.Combine(fixture.AppDirectory, entryPoint[1])).ShouldBeTrue($"dotnet publish produced no {entryPoint[1]}");
        File.Exists(Path.Combine(fixture.AppDirectory, "appsettings.json")).ShouldBeTrue("WORKDIR /app is the content root: appsettings.json must be published beside the assembly");
    }
}
