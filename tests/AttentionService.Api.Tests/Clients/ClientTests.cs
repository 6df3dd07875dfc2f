using System.Net;
using AttentionService.Api.Attention;
using AttentionService.Client;

namespace AttentionService.Api.Tests.Clients;

/// <summary>
/// The clients under clients/ against the service on real Kestrel: the C# client in process, the Python client's and the
/// TypeScript client's own tests as child processes. Each calls every endpoint once and meets one refusal.
/// </summary>
public class ClientTests(ClientTests.Service service) : IClassFixture<ClientTests.Service>
{
    /// <summary>The binary tensor form is used once the service reads it (its requests then have an <c>encoding</c> field).</summary>
    public static readonly bool BinaryTensors = typeof(AttentionRequest).GetProperty("Encoding") is not null;

    public sealed class Service : KestrelServiceFactory;

    private static AttentionClient CSharpClient(HttpClient http) => new(http, binary: BinaryTensors);

    [Fact]
    public async Task CSharpClient_Attention_AnswersTheSeedExampleWeights()
    {
        using var http = service.CreateKestrelClient();
        var result = await CSharpClient(http).AttentionAsync(new()
        {
            Query = Tensor.Of([1f, 2, 3], 1, 3),
            Key = Tensor.Of([4f, 6, 8, 5, 7, 9], 2, 3),
            Value = Tensor.Of([1f, 0, 0, 1], 2, 2),
        });

        result.Weights!.Shape.ShouldBe([1, 2]);
        result.Weights.ToSingles().ShouldBe([0.030351f, 0.969649f], tolerance: 1e-5);
        (result.Scoring, result.Precision).ShouldBe(("scaled_dot", AttentionService.Client.Precision.Float32));
    }

    [Fact]
    public async Task CSharpClient_SelfAttention_InFloat64WithoutWeights()
    {
        using var http = service.CreateKestrelClient();
        var result = await CSharpClient(http).SelfAttentionAsync(new() { Input = Tensor.Of([1d, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3), ReturnWeights = false });

        result.Precision.ShouldBe(AttentionService.Client.Precision.Float64);
        result.Weights.ShouldBeNull();
        result.Output.ToDoubles().ShouldBe([4d, 5, 6, 4, 5, 6, 4, 5, 6], tolerance: 1e-12);
    }

    [Fact]
    public async Task CSharpClient_Multihead_BatchWithMaskKeyLengthsAndHeadWeights()
    {
        using var http = service.CreateKestrelClient();
        var identity = Tensor.Of([1f, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 4, 4);
        var result = await CSharpClient(http).MultiheadAsync(new()
        {
            Query = Tensor.Of([1f, 0, 0, 1, 0, 1, 1, 0], 2, 1, 4),
            Key = Tensor.Of([1f, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0], 2, 2, 4),
            Value = Tensor.Of([1f, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8], 2, 2, 4),
            NumHeads = 2,
            QProjWeight = identity, KProjWeight = identity, VProjWeight = identity, OutProjWeight = identity,
            Mask = Tensor.Of([true, true], 1, 2),
            KeyLengths = [2, 1],
            AverageWeights = false,
        });

        result.Weights!.Shape.ShouldBe([2, 2, 1, 2]);
        result.Output.ToSingles()[4..].ShouldBe([1f, 2, 3, 4], tolerance: 1e-5);
    }

    [Fact]
    public async Task CSharpClient_Refusal_CarriesTheProblemDetails()
    {
        using var http = service.CreateKestrelClient();
        var call = new AttentionCall { Query = Tensor.Of([1f, 1, 1], 1, 3), Key = Tensor.Of([1f, 1, 1, 1], 2, 2), Value = Tensor.Of([1f, 1, 1, 1], 2, 2) };

        var refusal = await Should.ThrowAsync<AttentionException>(() => CSharpClient(http).AttentionAsync(call));

        refusal.Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        refusal.Title.ShouldBe("The request is not a computable attention problem");
        refusal.Detail!.ShouldContain("key rows have 2 numbers but query rows have 3");
        refusal.Errors.Keys.ShouldContain("key");
    }

    [Fact]
    public async Task PythonClient_PassesItsTests()
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var numpy = await Tool.RunAsync(python, ["-c", "import numpy"], Tool.Root);
        if (numpy.ExitCode != 0 && Environment.GetEnvironmentVariable("CI") != "true")
        {
            return; // no numpy outside CI; .ci/run installs python3-numpy
        }

        var run = await Tool.RunAsync(python, ["-m", "unittest", "-v", "test_attention_client"], Tool.PathOf("clients/python"), ClientEnvironment());

        run.ExitCode.ShouldBe(0, run.Output);
        run.Output.ShouldContain("Ran 4 tests");

        var snippet = Snippet("python").Replace("\"http://localhost:5000\"", $"\"{service.BaseAddress}\", binary={(BinaryTensors ? "True" : "False")}", StringComparison.Ordinal);
        var readme = await Tool.RunAsync(python, ["-c", snippet + "\nprint(result.output.dtype, result.output.shape, result.weights.shape)"], Tool.PathOf("clients/python"));
        readme.ExitCode.ShouldBe(0, readme.Output);
        readme.Output.ShouldContain("float32 (4, 8) (4, 4)");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("ts")]
    [InlineData("csharp")]
    public void Readme_ShowsEachClientInFiveLinesOrFewer(string language)
    {
        Snippet(language).Split('\n').Length.ShouldBeLessThanOrEqualTo(5);
        File.ReadAllText(Tool.PathOf("README.md")).ShouldContain(File.ReadAllText(Tool.PathOf("clients/README.md")).Trim(), Case.Sensitive,
            "README.md carries clients/README.md word for word");
    }

    private static string Snippet(string language)
    {
        var text = File.ReadAllText(Tool.PathOf("clients/README.md"));
        var start = text.IndexOf("```" + language + "\n", StringComparison.Ordinal) + language.Length + 4;
        return text[start..text.IndexOf("```", start, StringComparison.Ordinal)].Trim();
    }

    [Fact]
    public async Task TypeScriptClient_TypesAreGeneratedFromTheDocument_CompileStrict_AndPassItsTests()
    {
        if (!Tool.NodeModulesIn("clients/typescript"))
        {
            return;
        }

        var folder = Tool.PathOf("clients/typescript");
        var generated = Path.Combine(Path.GetTempPath(), $"schema-{Guid.NewGuid():N}.ts");
        try
        {
            var document = Path.ChangeExtension(generated, ".json");
            using var client = service.CreateKestrelClient();
            await File.WriteAllTextAsync(document, await OpenApiDocumentTests.DocumentTextAsync(client));
            var generate = await Tool.RunAsync("node", ["node_modules/openapi-typescript/bin/cli.js", document, "--default-non-nullable=false", "-o", generated], folder);
            generate.ExitCode.ShouldBe(0, generate.Output);
            File.Delete(document);
            (await File.ReadAllTextAsync(generated)).ShouldBe(await File.ReadAllTextAsync(Path.Combine(folder, "src", "schema.ts")),
                "clients/typescript/src/schema.ts is not what the document generates: run npm run generate there");
        }
        finally
        {
            File.Delete(generated);
        }

        var compile = await Tool.RunAsync("node", ["node_modules/typescript/bin/tsc", "-p", "."], folder);
        compile.ExitCode.ShouldBe(0, compile.Output);

        var test = await Tool.RunAsync("node", ["--test", "dist/test/"], folder, ClientEnvironment());
        test.ExitCode.ShouldBe(0, test.Output);
        test.Output.ShouldContain("# pass 4");
    }

    private Dictionary<string, string> ClientEnvironment() => new()
    {
        ["ATTENTION_URL"] = service.BaseAddress.ToString(),
        ["ATTENTION_BINARY"] = BinaryTensors ? "1" : "0",
    };
}
