namespace AttentionService.Deployment.Tests;

/// <summary>deploy/k8s, checked without a cluster: every manifest parses, and they agree with each other and with the image.</summary>
public class KubernetesTests
{
    private static readonly string[] Probes = ["livenessProbe", "readinessProbe", "startupProbe"];

    [Fact]
    public void Kustomization_ListsEveryManifest_AndEachParses()
    {
        var kustomization = Yaml.Load($"{Manifests.KubernetesDirectory}/kustomization.yaml");
        var listed = kustomization["resources"].Items.Select(r => r.Text).ToList();
        var files = Directory.EnumerateFiles(Repo.PathOf(Manifests.KubernetesDirectory), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml");

        listed.ShouldBe(files, ignoreOrder: true);
        kustomization["images"].Items.ShouldHaveSingleItem()["name"].Text.ShouldBe(Manifests.ServiceImage);
        Manifests.Kubernetes().Select(d => d["kind"].Text).ShouldBe(["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service"], ignoreOrder: true);
        Manifests.Kubernetes().ShouldAllBe(d => d["metadata"]["name"].Text == Manifests.ServiceImage);
    }

    [Fact]
    public void Deployment_RunsTwoReplicas_OfTheImage_On8080()
    {
        var deployment = Manifests.Kind("Deployment");
        var container = Manifests.Container();

        deployment["apiVersion"].Text.ShouldBe("apps/v1");
        deployment["spec"]["replicas"].Int.ShouldBe(2);
        container["image"].Text.ShouldBe(Manifests.ServiceImage);
        var port = container["ports"].Items.ShouldHaveSingleItem();
        port["containerPort"].Int.ShouldBe(8080);
        port["name"].Text.ShouldBe("http");
    }

    [Fact]
    public void Deployment_ProbesLiveReadyAndStartup_OnTheHttpPort()
    {
        var container = Manifests.Container();

        Probe(container, "livenessProbe").ShouldBe("/health/live");
        Probe(container, "readinessProbe").ShouldBe("/health/ready");
        Probe(container, "startupProbe").ShouldBe("/health/ready");
        var startup = container["startupProbe"];
        (startup["periodSeconds"].Int * startup["failureThreshold"].Int).ShouldBeGreaterThanOrEqualTo(30, "time enough for the engine's warm-up");
    }

    [Fact]
    public void Deployment_IsNonRoot_ReadOnly_WithAWritableTmp_RequestsAndLimits()
    {
        var pod = Manifests.PodSpec();
        var container = Manifests.Container();

        pod["securityContext"]["runAsNonRoot"].Text.ShouldBe("true");
        pod["securityContext"]["runAsUser"].Int.ShouldBe(1654, "the chiseled image's app user");
        container["securityContext"]["readOnlyRootFilesystem"].Text.ShouldBe("true");
        container["securityContext"]["allowPrivilegeEscalation"].Text.ShouldBe("false");
        var tmp = container["volumeMounts"].Items.Where(m => m["mountPath"].Text == "/tmp").ShouldHaveSingleItem();
        pod["volumes"].Items.Where(v => v["name"].Text == tmp["name"].Text).ShouldHaveSingleItem().Has("emptyDir").ShouldBeTrue();
        foreach (var kind in new[] { "requests", "limits" })
        {
            container["resources"][kind]["cpu"].Text.ShouldNotBeEmpty();
            container["resources"][kind]["memory"].Text.ShouldNotBeEmpty();
        }
    }

    [Fact]
    public void Deployment_TakesItsSettings_FromTheConfigMap()
    {
        var data = Manifests.ConfigMapData();

        Manifests.Container()["envFrom"].Items.ShouldHaveSingleItem()["configMapRef"]["name"].Text.ShouldBe(Manifests.Kind("ConfigMap")["metadata"]["name"].Text);
        data["ASPNETCORE_ENVIRONMENT"].ShouldBe("Production");
        var limits = Manifests.AppSettings()["Attention"]!["Limits"]!.AsObject();
        foreach (var (name, value) in limits)
        {
            data[$"Attention__Limits__{name}"].ShouldBe(value!.ToString(), "the ConfigMap states the service's defaults");
        }

        // Every Attention__ key names a setting the service has: a typo would be silently ignored by the binder.
        var sections = Manifests.AppSettings()["Attention"]!.AsObject().ToDictionary(s => s.Key, s => s.Value!.AsObject().Select(k => k.Key).ToHashSet());
        sections["Gateway"] = ["KnownNetworks", "PathBase"];
        foreach (var key in data.Keys.Where(k => k.StartsWith("Attention__", StringComparison.Ordinal)))
        {
            var parts = key.Split("__");
            sections.ShouldContainKey(parts[1], key);
            sections[parts[1]].ShouldContain(parts[2], key);
        }
    }

    [Fact]
    public void Service_Autoscaler_AndDisruptionBudget_SelectTheDeploymentsPods()
    {
        var deployment = Manifests.Kind("Deployment");
        var podLabels = deployment["spec"]["template"]["metadata"]["labels"].Entries.ToDictionary(e => e.Key, e => e.Value.Text);
        var service = Manifests.Kind("Service");
        var hpa = Manifests.Kind("HorizontalPodAutoscaler");
        var pdb = Manifests.Kind("PodDisruptionBudget");

        service["spec"]["selector"].Entries.ShouldAllBe(e => podLabels[e.Key] == e.Value.Text);
        service["spec"]["ports"].Items.ShouldHaveSingleItem()["targetPort"].Text.ShouldBe("http");
        pdb["apiVersion"].Text.ShouldBe("policy/v1");
        pdb["spec"]["selector"]["matchLabels"].Entries.ShouldAllBe(e => podLabels[e.Key] == e.Value.Text);
        pdb["spec"]["minAvailable"].Int.ShouldBeLessThan(hpa["spec"]["minReplicas"].Int, "a drain must be able to evict a pod");
        hpa["apiVersion"].Text.ShouldBe("autoscaling/v2");
        hpa["spec"]["scaleTargetRef"]["kind"].Text.ShouldBe("Deployment");
        hpa["spec"]["scaleTargetRef"]["name"].Text.ShouldBe(deployment["metadata"]["name"].Text);
        hpa["spec"]["minReplicas"].Int.ShouldBeGreaterThanOrEqualTo(2);
        hpa["spec"]["metrics"].Items.ShouldHaveSingleItem()["resource"]["name"].Text.ShouldBe("cpu");
    }

    [Fact]
    public void PortAndProbePaths_AgreeAcrossTheDockerfile_Compose_Nginx_AndKubernetes()
    {
        var dockerfile = Dockerfile.Load();
        var paths = new List<string> { new Uri(Dockerfile.ExecForm(dockerfile.Single("HEALTHCHECK"))[^1]).AbsolutePath };
        var ports = new List<int> { int.Parse(dockerfile.Single("EXPOSE")), int.Parse(dockerfile.Environment()["ASPNETCORE_HTTP_PORTS"]) };

        foreach (var (_, replica) in Manifests.ComposeReplicas())
        {
            var probe = new Uri(replica["healthcheck"]["test"].Items.Last().Text);
            paths.Add(probe.AbsolutePath);
            ports.Add(probe.Port);
            ports.AddRange(replica["expose"].Items.Select(p => int.Parse(p.Text)));
        }

        ports.AddRange(Manifests.NginxUpstreams().Select(u => u.Port));
        var container = Manifests.Container();
        ports.Add(container["ports"][0]["containerPort"].Int);
        paths.AddRange(Probes.Select(p => Probe(container, p)));

        ports.Distinct().ShouldBe([8080]);
        paths.Distinct().ShouldBe(["/health/ready", "/health/live"], ignoreOrder: true);
    }

    /// <summary>A probe's path, checking it targets the container's named port.</summary>
    private static string Probe(Yaml container, string probe)
    {
        var get = container[probe]["httpGet"];
        get["port"].Text.ShouldBe(container["ports"][0]["name"].Text, probe);
        return get["path"].Text;
    }
}
