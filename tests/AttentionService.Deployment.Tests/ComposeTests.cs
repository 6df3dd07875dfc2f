namespace AttentionService.Deployment.Tests;

/// <summary>docker-compose.yml and the nginx configuration it mounts, checked without a Docker engine.</summary>
public class ComposeTests
{
    private const string ProbeReady = "http://127.0.0.1:8080/health/ready";

    [Fact]
    public void Compose_RunsAtLeastTwoReplicas_BehindTheNginxGateway()
    {
        var replicas = Manifests.ComposeReplicas();
        var (_, gateway) = Manifests.ComposeGateway();

        replicas.Count.ShouldBeGreaterThanOrEqualTo(2);
        gateway["ports"].Items.ShouldHaveSingleItem().Text.ShouldEndWith(":8080");
        var mount = gateway["volumes"].Items.ShouldHaveSingleItem().Text.Split(':');
        mount[0].ShouldBe("./" + NginxConfig.RepositoryPath);
        mount[1].ShouldBe("/etc/nginx/nginx.conf");
        File.Exists(Repo.PathOf(NginxConfig.RepositoryPath)).ShouldBeTrue();
        foreach (var (name, _) in replicas)
        {
            gateway["depends_on"][name]["condition"].Text.ShouldBe("service_healthy", $"the gateway waits for {name} to be ready");
        }
    }

    [Fact]
    public void Replicas_ListenOn8080_InProduction_WithTheProbeHealthCheck_LimitsAndRestart()
    {
        foreach (var (name, replica) in Manifests.ComposeReplicas())
        {
            replica["build"].Text.ShouldBe(".", name);
            replica["expose"].Items.Select(p => p.Text).ShouldBe(["8080"], name);
            replica["environment"]["ASPNETCORE_ENVIRONMENT"].Text.ShouldBe("Production");
            replica["healthcheck"]["test"].Items.Select(w => w.Text).ShouldBe(["CMD", "dotnet", DeploymentFixture.Assembly, "--probe", ProbeReady], name);
            ShouldRestartWithLimits(name, replica);
            replica["read_only"].Text.ShouldBe("true");
            replica["tmpfs"].Items.Select(t => t.Text).ShouldContain("/tmp");
        }
    }

    [Fact]
    public void Gateway_HasAHealthCheck_LimitsAndRestart()
    {
        var (name, gateway) = Manifests.ComposeGateway();

        gateway["healthcheck"]["test"].Items.Select(w => w.Text).ShouldContain($"http://127.0.0.1:8080/healthz");
        Manifests.NginxConf().ShouldContain("location = /healthz");
        ShouldRestartWithLimits(name, gateway);
    }

    [Fact]
    public void Replicas_TrustForwardedHeaders_FromTheGatewaysAddressOnly()
    {
        var (_, gateway) = Manifests.ComposeGateway();
        var address = gateway["networks"].Entries.ShouldHaveSingleItem().Value["ipv4_address"].Text;

        foreach (var (name, replica) in Manifests.ComposeReplicas())
        {
            var environment = replica["environment"];
            environment["Attention__Gateway__KnownNetworks__0"].Text.ShouldBe($"{address}/32", name);
            environment.Has("Attention__Gateway__KnownNetworks__1").ShouldBeFalse();
        }
    }

    [Fact]
    public void NginxUpstream_IsEveryReplica_On8080_WithKeepAlive()
    {
        var upstreams = Manifests.NginxUpstreams();

        upstreams.Select(u => u.Host).ShouldBe(Manifests.ComposeReplicas().Select(r => r.Name), ignoreOrder: true);
        upstreams.ShouldAllBe(u => u.Port == 8080);
        int.Parse(Manifests.NginxDirective("keepalive")).ShouldBeGreaterThan(0);
        Manifests.NginxDirective("proxy_http_version").ShouldBe("1.1");
        Manifests.NginxDirective("proxy_set_header Connection").ShouldBe("\"\"");
    }

    [Fact]
    public void Nginx_ServesThePrefix_AndRetriesPostsOnConnectionErrorsAnd503()
    {
        Manifests.NginxConf().ShouldContain("location /attention/ {");
        Manifests.NginxDirective("proxy_pass").ShouldBe("http://attention/");
        Manifests.NginxDirective("proxy_set_header X-Forwarded-Prefix").ShouldBe("/attention");
        Manifests.NginxDirective("proxy_set_header X-Forwarded-For").ShouldBe("$proxy_add_x_forwarded_for");
        Manifests.NginxDirective("proxy_set_header X-Forwarded-Proto").ShouldBe("$scheme");

        var retry = Manifests.NginxDirective("proxy_next_upstream").Split(' ');
        retry.ShouldBe(["error", "timeout", "http_503", "non_idempotent"], ignoreOrder: true);
        int.Parse(Manifests.NginxDirective("proxy_next_upstream_tries")).ShouldBeGreaterThan(1);
    }

    [Fact]
    public void BodyLimit_IsTheSame_AtTheGateway_InCompose_AndInTheService()
    {
        var service = Manifests.AppSettings()["Attention"]!["Limits"]!["MaxRequestBodyBytes"]!.GetValue<long>();

        service.ShouldBe(64L * 1024 * 1024);
        Manifests.Bytes(Manifests.NginxDirective("client_max_body_size")).ShouldBe(service);
        foreach (var (name, replica) in Manifests.ComposeReplicas())
        {
            long.Parse(replica["environment"]["Attention__Limits__MaxRequestBodyBytes"].Text).ShouldBe(service, name);
        }
    }

    private static void ShouldRestartWithLimits(string name, Yaml service)
    {
        service["restart"].Text.ShouldBeOneOf(["unless-stopped", "always", "on-failure"], name);
        var limits = service["deploy"]["resources"]["limits"];
        double.Parse(limits["cpus"].Text).ShouldBeGreaterThan(0, name);
        Manifests.Bytes(limits["memory"].Text).ShouldBeGreaterThan(0, name);
    }
}
