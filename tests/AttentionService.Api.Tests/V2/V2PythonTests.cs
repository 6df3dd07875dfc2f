using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AttentionService.Api.Tests.V2;

/// <summary>
/// Python clients against the service on real Kestrel: the README's example (numpy and the standard library), and
/// Triton's own client, tritonclient.http, unchanged, where it is installed.
/// </summary>
[Collection(nameof(Exclusive))]
public partial class V2PythonTests
{
    private const string Python = "/usr/bin/python3";

    [GeneratedRegex("<!-- v2-python-example -->\\s*```python\\n(?<code>.*?)```\\s*[^`]*```text\\n(?<output>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeExample();

    [SkippableFact]
    public async Task ReadmePythonExample_IsTheTestedFile_AndPrintsWhatTheReadmeSays()
    {
        Skip.IfNot(await CanImportAsync("numpy"), "python3 with numpy is not installed (Debian: python3-numpy)");
        var script = Path.Combine(AppContext.BaseDirectory, "V2", "Python", "v2_example.py");
        var readme = ReadmeExample().Match(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")));
        readme.Success.ShouldBeTrue("README.md has the v2 Python example, marked <!-- v2-python-example -->");
        await using var factory = new KestrelServiceFactory();

        var (exit, output) = await RunAsync(script, factory.BaseAddress.ToString().TrimEnd('/'));

        exit.ShouldBe(0, output);
        readme.Groups["code"].Value.ShouldBe(File.ReadAllText(script));
        output.ShouldBe(readme.Groups["output"].Value);
    }

    [SkippableFact]
    public async Task TritonClient_Unchanged_PassesEveryCheck()
    {
        Skip.IfNot(await CanImportAsync("tritonclient.http"), "tritonclient is not installed (pip install 'tritonclient[http]'); its check was not run");
        await using var factory = new KestrelServiceFactory(KestrelServiceFactory.Setting("Attention:Engine:KernelPath", "Auto"));

        var (exit, output) = await RunAsync(Path.Combine(AppContext.BaseDirectory, "V2", "Python", "tritonclient_check.py"), $"127.0.0.1:{factory.BaseAddress.Port}");

        exit.ShouldBe(0, output);
        output.ShouldEndWith(" passed, 0 failed\n");
    }

    private static async Task<bool> CanImportAsync(string module) =>
        File.Exists(Python) && (await RunAsync("-c", $"import {module}")).Exit == 0;

    private static async Task<(int Exit, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
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
