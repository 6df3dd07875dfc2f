using System.Net;
using System.Text.Json;
using AttentionService.Api.Tests.Clients;

namespace AttentionService.Api.Tests;

/// <summary>
/// The whole document: a snapshot that catches unintended changes, both linters at zero problems (with and without API
/// keys), and every request example answered 200. Update the snapshot after an intended change with
/// <c>UPDATE_OPENAPI_SNAPSHOT=1 dotnet test --filter OpenApiDocumentTests</c> and review its diff.
/// </summary>
[Collection(nameof(SharedService))]
public class OpenApiDocumentTests(AttentionServiceFactory factory)
{
    public const string SnapshotPath = "tests/AttentionService.Api.Tests/OpenApi/swagger.v1.json";

    /// <summary>The document as served, indented; without the <c>servers</c> entry (it names the host that asked) unless <paramref name="servers"/>.</summary>
    public static async Task<string> DocumentTextAsync(HttpClient client, bool servers = false)
    {
        using var response = await client.GetAsync("/swagger/v1/swagger.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var document = await TestData.ReadObjectAsync(response);
        if (!servers)
        {
            document.Remove("servers");
        }

        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    [Fact]
    public async Task Document_MatchesTheSnapshot()
    {
        var actual = await DocumentTextAsync(factory.CreateClient());
        var path = Tool.PathOf(SnapshotPath);
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI_SNAPSHOT") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, actual);
        }

        var expected = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
        actual.ShouldBe(expected, $"the OpenAPI document changed; if intended, run UPDATE_OPENAPI_SNAPSHOT=1 dotnet test --filter OpenApiDocumentTests and commit {SnapshotPath}");
    }

    [Fact]
    public async Task Document_PassesRedoclyAndSpectral_WithAndWithoutKeys()
    {
        if (!Tool.NodeModulesIn("tests/openapi"))
        {
            return; // outside CI without npm ci in tests/openapi: nothing to lint with
        }

        // Linted as a real server serves them: on Kestrel, so the servers entry names its address, not the test host's "localhost".
        using var plainService = new KestrelServiceFactory();
        using var keyedService = new KestrelServiceFactory(KestrelServiceFactory.Setting("Attention:Auth:ApiKeyHashes:0", OpenApiTests.KeyedServiceFactory.KeyHash));
        using var plainClient = plainService.CreateKestrelClient();
        using var keyedClient = keyedService.CreateKestrelClient();
        var folder = Directory.CreateTempSubdirectory("openapi-lint");
        try
        {
            var plain = Path.Combine(folder.FullName, "swagger.json");
            var withKeys = Path.Combine(folder.FullName, "swagger-with-keys.json");
            await File.WriteAllTextAsync(plain, await DocumentTextAsync(plainClient, servers: true));
            await File.WriteAllTextAsync(withKeys, await DocumentTextAsync(keyedClient, servers: true));
            var lint = Tool.PathOf("tests/openapi");

            var redocly = await Tool.RunAsync("node", ["node_modules/@redocly/cli/bin/cli.js", "lint", "--config", "redocly.yaml", "--format", "stylish", plain, withKeys], lint);
            redocly.ExitCode.ShouldBe(0, redocly.Output);
            redocly.Output.ShouldNotMatch(@"(?m)^\s*\d+:\d+\s+(error|warning)\b", redocly.Output); // its Node.js deprecation banner is no lint finding
            redocly.Output.ShouldContain("Your API descriptions are valid", Case.Sensitive, redocly.Output);
            redocly.Output.ShouldNotContain("You have", Case.Sensitive, redocly.Output);

            var spectral = await Tool.RunAsync("node", ["node_modules/@stoplight/spectral-cli/dist/index.js", "lint", "--ruleset", ".spectral.yaml", "--fail-severity", "hint", plain, withKeys], lint);
            spectral.ExitCode.ShouldBe(0, spectral.Output);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    public static IEnumerable<object[]> RequestExamples() =>
        new[] { ("/v1/attention", Attention.AttentionExamples.All), ("/v1/attention/self", SelfAttention.SelfAttentionExamples.All), ("/v1/attention/multihead", Multihead.MultiheadExamples.All) }
            .SelectMany(e => e.Item2.Items.Select(x => new object[] { e.Item1, x.Name }));

    [Theory]
    [MemberData(nameof(RequestExamples))]
    public async Task RequestExample_IsAnswered200(string path, string name)
    {
        using var response = await factory.CreateClient().GetAsync("/swagger/v1/swagger.json");
        var example = (await TestData.ReadObjectAsync(response))["paths"]![path]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]![name]!["value"]!;

        using var answer = await factory.CreateClient().PostAsync(path, TestData.Json(example.ToJsonString()));

        answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
    }
}
