using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AttentionService.Deployment.Tests;

/// <summary>The deployment files, parsed: docker-compose.yml, deploy/nginx/nginx.conf, deploy/k8s and the service's appsettings.json.</summary>
internal static partial class Manifests
{
    public const string ComposeFile = "docker-compose.yml";
    public const string KubernetesDirectory = "deploy/k8s";
    public const string ServiceImage = "attention-service";

    public static Yaml Compose() => Yaml.Load(ComposeFile);

    /// <summary>The compose services that run the service's image (built from the Dockerfile).</summary>
    public static IReadOnlyList<(string Name, Yaml Service)> ComposeReplicas() =>
        Compose()["services"].Entries.Where(s => s.Value.Has("build")).ToList();

    public static (string Name, Yaml Service) ComposeGateway() =>
        Compose()["services"].Entries.Where(s => s.Value.Has("image") && s.Value["image"].Text.StartsWith("nginx", StringComparison.Ordinal)).ShouldHaveSingleItem();

    public static IEnumerable<int> ComposeStopGraceSeconds() =>
        ComposeReplicas().Select(r => Seconds(r.Service["stop_grace_period"].Text));

    /// <summary>Every Kubernetes document in deploy/k8s, except the kustomization.</summary>
    public static IReadOnlyList<Yaml> Kubernetes() =>
        Directory.EnumerateFiles(Repo.PathOf(KubernetesDirectory), "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .Order(StringComparer.Ordinal)
            .SelectMany(f => Yaml.LoadAll($"{KubernetesDirectory}/{Path.GetFileName(f)}"))
            .ToList();

    public static Yaml Kind(string kind) => Kubernetes().Where(d => d["kind"].Text == kind).ShouldHaveSingleItem();

    public static Yaml PodSpec() => Kind("Deployment")["spec"]["template"]["spec"];

    public static Yaml Container() => PodSpec()["containers"].Items.ShouldHaveSingleItem();

    public static IReadOnlyDictionary<string, string> ConfigMapData() =>
        Kind("ConfigMap")["data"].Entries.ToDictionary(e => e.Key, e => e.Value.Text);

    public static (int Grace, int PreStop) KubernetesGrace() =>
        (PodSpec()["terminationGracePeriodSeconds"].Int, Container()["lifecycle"]["preStop"]["sleep"]["seconds"].Int);

    public static string NginxConf() => Repo.Read(NginxConfig.RepositoryPath);

    /// <summary>The `server host:port` lines of the upstream block.</summary>
    public static IReadOnlyList<(string Host, int Port)> NginxUpstreams() =>
        UpstreamServer().Matches(NginxConf()).Select(m => (m.Groups["host"].Value, int.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture))).ToList();

    /// <summary>A directive's arguments (the first occurrence), such as client_max_body_size's "64m".</summary>
    public static string NginxDirective(string name)
    {
        var match = Regex.Match(NginxConf(), $@"^\s*{Regex.Escape(name)}\s+(?<args>[^;]*);", RegexOptions.Multiline);
        match.Success.ShouldBeTrue($"{NginxConfig.RepositoryPath} has no {name}");
        return match.Groups["args"].Value.Trim();
    }

    /// <summary>The service's default settings, from its appsettings.json.</summary>
    public static JsonNode AppSettings() => JsonNode.Parse(Repo.Read("src/AttentionService.Api/appsettings.json"))!;

    /// <summary>nginx sizes (64m, 1k) and Kubernetes quantities in bytes.</summary>
    public static long Bytes(string size) => size[^1] switch
    {
        'k' or 'K' => long.Parse(size[..^1], CultureInfo.InvariantCulture) * 1024,
        'm' or 'M' => long.Parse(size[..^1], CultureInfo.InvariantCulture) * 1024 * 1024,
        'g' or 'G' => long.Parse(size[..^1], CultureInfo.InvariantCulture) * 1024 * 1024 * 1024,
        _ => long.Parse(size, CultureInfo.InvariantCulture),
    };

    /// <summary>A compose duration such as 30s or 1m30s, in seconds.</summary>
    public static int Seconds(string duration)
    {
        var match = DurationPattern().Match(duration);
        match.Success.ShouldBeTrue($"'{duration}' is not a duration such as 30s");
        int Part(string name) => match.Groups[name].Success ? int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        return Part("m") * 60 + Part("s");
    }

    [GeneratedRegex(@"^\s*server\s+(?<host>[^\s:;]+):(?<port>\d+)", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();

    [GeneratedRegex(@"^(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$")]
    private static partial Regex DurationPattern();
}
