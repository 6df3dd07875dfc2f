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
        container["image"].Text.ShouldStartWith(Manifests.ServiceImage + ":");
        var port = container["ports"].Items.ShouldHaveSingleItem();
        port["containerPort"].Int.ShouldBe(8080);
        port["name"].Text.ShouldBe("http");
    }

    [Fact]
    public void Images_ArePinnedToAVersion_NeverLatest()
    {
        var container = Manifests.Container();
        var tag = container["image"].Text.Split(':')[^1];
        var kustomized = Yaml.Load($"{Manifests.KubernetesDirectory}/kustomization.yaml")["images"].Items.ShouldHaveSingleItem()["newTag"].Text;

        container["imagePullPolicy"].Text.ShouldBe("IfNotPresent");
        tag.ShouldMatch(@"^\d+\.\d+\.\d+$");
        kustomized.ShouldBe(tag, "kustomization.yaml and the Deployment name the same release");
        Manifests.ComposeGateway().Service["image"].Text.ShouldMatch(@"^nginx:\d+\.\d+\.\d+-alpine$");
        Dockerfile.Load().All("FROM").ShouldAllBe(f => !f.Contains(":latest") && System.Text.RegularExpressions.Regex.IsMatch(f, @":\d+\.\d+\.\d+"));
    }

    [Fact]
    public void CpuRequest_IsTheLimit_InWholeCores_AsTheEngineSizesItsThreadsByTheLimit()
    {
        var resources = Manifests.Container()["resources"];
        var request = resources["requests"]["cpu"].Text;

        request.ShouldBe(resources["limits"]["cpu"].Text, "the engine runs one compute thread per core of the limit; the request must give it those cores");
        request.ShouldMatch(@"^\d+$", "whole cores: the runtime rounds a fractional limit up to a whole processor");
        Manifests.ConfigMapData().GetValueOrDefault("Attention__Engine__MaxConcurrency", "0").ShouldBe("0", "one computation slot per core");
        foreach (var (name, replica) in Manifests.ComposeReplicas())
        {
            var limits = replica["deploy"]["resources"]["limits"]["cpus"].Text;
            replica["deploy"]["resources"]["reservations"]["cpus"].Text.ShouldBe(limits, name);
            double.Parse(limits, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(Math.Round(double.Parse(limits, System.Globalization.CultureInfo.InvariantCulture)), name);
        }
    }

    [Fact]
    public void QueueAutoscaling_Overlay_ScalesOnCpuAndOnTheQueueDepthTheServiceExports()
    {
        const string overlay = $"{Manifests.KubernetesDirectory}/queue-autoscaling";
        var kustomization = Yaml.Load($"{overlay}/kustomization.yaml");
        kustomization["resources"].Items.Select(r => r.Text).ShouldBe(["../"]);
        var patch = kustomization["patches"].Items.ShouldHaveSingleItem()["path"].Text;
        var hpa = Yaml.Load($"{overlay}/{patch}");

        hpa["kind"].Text.ShouldBe("HorizontalPodAutoscaler");
        hpa["metadata"]["name"].Text.ShouldBe(Manifests.Kind("HorizontalPodAutoscaler")["metadata"]["name"].Text);
        var metrics = hpa["spec"]["metrics"].Items.ToList();
        metrics.Select(m => m["type"].Text).ShouldBe(["Resource", "Pods"]);
        metrics[0]["resource"]["name"].Text.ShouldBe("cpu");
        var queue = metrics[1]["pods"]["metric"]["name"].Text;
        queue.ShouldBe("attention_queue_depth");

        // The adapter serves that series, and the service exports it (the instrument attention.queue.depth).
        Yaml.Load($"{overlay}/prometheus-adapter-values.yaml")["rules"]["custom"].Items.ShouldHaveSingleItem()["seriesQuery"].Text.ShouldStartWith(queue + "{");
        Repo.Read("src/AttentionService.Api/Telemetry/AttentionTelemetry.cs").ShouldContain($"\"{queue.Replace('_', '.')}\"");
        Repo.Read("deploy/README.md").ShouldContain($"`{queue}`");
    }

    [Fact]
    public void Pods_AreAnnotatedForPrometheus_OnTheMetricsPath()
    {
        var annotations = Manifests.Kind("Deployment")["spec"]["template"]["metadata"]["annotations"];

        annotations["prometheus.io/scrape"].Text.ShouldBe("true");
        annotations["prometheus.io/port"].Int.ShouldBe(Manifests.Container()["ports"][0]["containerPort"].Int);
        annotations["prometheus.io/path"].Text.ShouldBe("/metrics");
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
