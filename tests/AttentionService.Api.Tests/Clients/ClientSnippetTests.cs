using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests.Clients;

/// <summary>
/// The README's binary-tensor snippets, run as a client would run them against real Kestrel: Python with numpy
/// (<c>client.py</c>), JavaScript with a Float32Array (<c>client.mjs</c>, node 20) and C# (below). Each checks the
/// answer against its own float64 computation and prints "ok".
/// </summary>
[Collection(nameof(Exclusive))]
public class ClientSnippetTests(ClientSnippetTests.Service service, ITestOutputHelper output) : IClassFixture<ClientSnippetTests.Service>
{
    public sealed class Service : KestrelServiceFactory;

    [SkippableFact]
    public async Task PythonNumpySnippet_SendsAndReadsFloat32Tensors()
    {
        Skip.IfNot(await Succeeds("/usr/bin/python3", "-c \"import numpy\""), "Debian's python3-numpy is not installed (apt-get install -y python3-numpy)");
        (await Run("/usr/bin/python3", $"client.py {Url()}")).ShouldStartWith("ok float32 (4, 8)");
    }

    [SkippableFact]
    public async Task JavaScriptFloat32ArraySnippet_SendsAndReadsFloat32Tensors()
    {
        Skip.IfNot(await Succeeds("node", "--version"), "node is not installed");
        (await Run("node", $"client.mjs {Url()}")).ShouldStartWith("ok Float32Array 4x8");
    }

    [Fact]
    public async Task CSharpSnippet_SendsAndReadsFloat32Tensors()
    {
        using var http = service.CreateKestrelClient();

        // --- README snippet (C#) ---
        static object ToTensor(float[] values, params int[] shape) =>
            new { dtype = "float32", shape, data = Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan())) };
        static float[] FromTensor(JsonNode tensor) =>
            MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(tensor["data"]!.GetValue<string>())).ToArray();

        float[] q = [1, 0, 0, 1], k = [1, 0, 0, 1], v = [1, 2, 3, 4];
        using var response = await http.PostAsJsonAsync("/v1/attention", new
        {
            query = ToTensor(q, 2, 2),
            key = ToTensor(k, 2, 2),
            value = ToTensor(v, 2, 2),
            encoding = "base64",
        });
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var weights = FromTensor(answer["weights"]!); // row-major [2][2]
        // --- end of snippet ---

        var e = Math.Exp(1 / Math.Sqrt(2));
        weights.ShouldBe([(float)(e / (e + 1)), (float)(1 / (e + 1)), (float)(1 / (e + 1)), (float)(e / (e + 1))], tolerance: 1e-6f);
        answer["output"]!["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ShouldBe([2, 2]);
    }

    private string Url() => service.BaseAddress.ToString().TrimEnd('/');

    private static async Task<bool> Succeeds(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            await process.WaitForExitAsync();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private async Task<string> Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(AppContext.BaseDirectory, "Clients"),
        };
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        output.WriteLine(await stdout + await stderr);
        process.ExitCode.ShouldBe(0, await stderr);
        return await stdout;
    }
}
