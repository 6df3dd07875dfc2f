using System.Text.Json;
using System.Text.RegularExpressions;

namespace AttentionService.Deployment.Tests;

/// <summary>The repository's Dockerfile as instructions (continuations joined, comments dropped), and its .dockerignore.</summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<(string Keyword, string Arguments)> instructions, IReadOnlyList<(bool Exclude, Regex Pattern)> ignore)
    {
        Instructions = instructions;
        Ignore = ignore;
    }

    public IReadOnlyList<(string Keyword, string Arguments)> Instructions { get; }

    private IReadOnlyList<(bool Exclude, Regex Pattern)> Ignore { get; }

    public static Dockerfile Load()
    {
        var instructions = new List<(string, string)>();
        var pending = "";
        foreach (var raw in Repo.Read("Dockerfile").Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#') || (pending.Length == 0 && string.IsNullOrWhiteSpace(line)))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var whole = (pending + line).Trim();
            pending = "";
            var space = whole.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add((whole[..space].ToUpperInvariant(), whole[(space + 1)..].Trim()));
        }

        var ignore = File.Exists(Repo.PathOf(".dockerignore"))
            ? Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(ToPattern).ToList()
            : [];
        return new Dockerfile(instructions, ignore);
    }

    public IEnumerable<string> All(string keyword) => Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

    public string Single(string keyword) => All(keyword).ShouldHaveSingleItem($"one {keyword} in the Dockerfile");

    /// <summary>An exec-form instruction's words (the JSON array after any --flags).</summary>
    public static string[] ExecForm(string arguments)
    {
        var start = arguments.IndexOf('[', StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"exec form (a JSON array) expected: {arguments}");
        return JsonSerializer.Deserialize<string[]>(arguments[start..])!;
    }

    /// <summary>ENV in KEY=VALUE form, every ENV instruction together.</summary>
    public IReadOnlyDictionary<string, string> Environment() =>
        All("ENV").SelectMany(a => EnvPair().Matches(a)).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);

    /// <summary>The sources of every COPY that takes them from the build context (not --from another stage).</summary>
    public IEnumerable<string> ContextSources() =>
        All("COPY").Where(a => !a.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).SkipLast(1));

    /// <summary>Whether .dockerignore keeps <paramref name="path"/> (relative, forward slashes) out of the build context, as Docker decides it: the last matching pattern wins, and a pattern matching a directory matches everything in it.</summary>
    public bool IsIgnored(string path)
    {
        var ignored = false;
        var parts = path.Trim('/').Split('/');
        foreach (var (exclude, pattern) in Ignore)
        {
            for (var n = 1; n <= parts.Length; n++)
            {
                if (pattern.IsMatch(string.Join('/', parts.Take(n))))
                {
                    ignored = exclude;
                    break;
                }
            }
        }

        return ignored;
    }

    private static (bool, Regex) ToPattern(string line)
    {
        var exclude = !line.StartsWith('!');
        var pattern = line.TrimStart('!').Trim('/');
        var regex = Regex.Escape(pattern)
            .Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
            .Replace(@"\*\*", ".*", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
            .Replace(@"\?", "[^/]", StringComparison.Ordinal);
        return (exclude, new Regex($"^{regex}$", RegexOptions.CultureInvariant));
    }

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>\S+)")]
    private static partial Regex EnvPair();
}
