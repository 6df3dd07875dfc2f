using System.Text.RegularExpressions;

namespace AttentionService.Deployment.Tests;

/// <summary>
/// The repository's deploy/nginx/nginx.conf made runnable here: the upstream servers and the listen port become
/// loopback ones, and nginx's scratch paths move into a temporary directory. Everything else is left as written.
/// </summary>
internal static partial class NginxConfig
{
    public const string RepositoryPath = "deploy/nginx/nginx.conf";

    private static readonly string[] ScratchPaths = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"];

    public static string ForLoopback(string conf, IReadOnlyList<Uri> upstreams, int listenPort, string scratchDirectory)
    {
        var upstream = UpstreamBlock().Match(conf);
        upstream.Success.ShouldBeTrue($"{RepositoryPath} has no `upstream attention {{ ... }}` block");
        var servers = UpstreamServer().Count(upstream.Value);
        servers.ShouldBe(upstreams.Count, $"{RepositoryPath} lists {servers} upstream servers; the test starts {upstreams.Count} instances");

        var next = 0;
        var block = UpstreamServer().Replace(upstream.Value, m => $"{m.Groups["lead"].Value}127.0.0.1:{upstreams[next++].Port}");
        conf = string.Concat(conf.AsSpan(0, upstream.Index), block, conf.AsSpan(upstream.Index + upstream.Length));

        Listen().Count(conf).ShouldBe(1, $"{RepositoryPath} should listen once, on 8080");
        conf = Listen().Replace(conf, $"listen 127.0.0.1:{listenPort};");

        // Debian's nginx keeps its temporary files under /var/lib/nginx, which a non-root run cannot write.
        var scratch = string.Concat(
            ScratchPaths.Select(p => $"\n    {p}_temp_path {Path.Combine(scratchDirectory, p)};"));
        var http = HttpBlockStart().Match(conf);
        http.Success.ShouldBeTrue($"{RepositoryPath} has no http block");
        return conf.Insert(http.Index + http.Length, scratch);
    }

    [GeneratedRegex(@"upstream\s+attention\s*\{[^}]*\}")]
    private static partial Regex UpstreamBlock();

    [GeneratedRegex(@"(?<lead>^\s*server\s+)[^\s;]+", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();

    [GeneratedRegex(@"listen\s+8080\s*;")]
    private static partial Regex Listen();

    [GeneratedRegex(@"^http\s*\{", RegexOptions.Multiline)]
    private static partial Regex HttpBlockStart();
}
