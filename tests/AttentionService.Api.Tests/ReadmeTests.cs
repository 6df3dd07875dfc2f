using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AttentionService.Api.Tests;

/// <summary>Each curl example in the README, followed by a JSON block, answers what the README says it answers.</summary>
[Collection(nameof(SharedService))]
public partial class ReadmeTests(AttentionServiceFactory factory)
{
    [GeneratedRegex("```bash\\n(?<cmd>curl [^`]*?)```\\s*```json\\n(?<answer>[^`]*?)```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();

    [GeneratedRegex("localhost:5000(?<path>/\\S+)")]
    private static partial Regex PathPattern();

    [GeneratedRegex("-d '(?<body>[^']*)'")]
    private static partial Regex BodyPattern();

    public static IEnumerable<object[]> Examples()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        return ExampleBlock().Matches(readme).Select(m => new object[] { m.Groups["cmd"].Value.Trim(), m.Groups["answer"].Value.Trim() });
    }

    [Fact]
    public void Readme_HasCurlExamplesForEveryComputeEndpoint()
    {
        var commands = Examples().Select(e => (string)e[0]).ToList();

        commands.Count.ShouldBeGreaterThanOrEqualTo(7);
        foreach (var path in new[] { "/v1/attention ", "/v1/attention/self", "/v1/attention/multihead" })
        {
            commands.ShouldContain(c => c.Contains(path, StringComparison.Ordinal));
        }
    }

    [GeneratedRegex("\"traceId\":\"00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\"")]
    private static partial Regex TraceId();

    /// <summary>
    /// Byte for byte what the service answers (on this project's machines, whose widest kernel path the README's
    /// numbers come from); only the trace id, new for every request, is written <c>00-…</c>.
    /// </summary>
    [Theory]
    [MemberData(nameof(Examples))]
    public async Task CurlExample_AnswersExactlyWhatTheReadmeSays(string command, string answer)
    {
        var path = PathPattern().Match(command).Groups["path"].Value;
        var body = BodyPattern().Match(command).Groups["body"].Value;

        using var response = await factory.CreateClient().PostAsync(path, TestData.Json(body));

        var expected = JsonNode.Parse(answer.Replace("\"00-…\"", "null", StringComparison.Ordinal))!.AsObject();
        response.StatusCode.ShouldBe((HttpStatusCode)(expected["status"]?.GetValue<int>() ?? 200));
        var actual = TraceId().Replace(await response.Content.ReadAsStringAsync(), "\"traceId\":\"00-…\"");
        actual.ShouldBe(answer);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AttentionService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("AttentionService.sln not found above " + AppContext.BaseDirectory);
    }
}
