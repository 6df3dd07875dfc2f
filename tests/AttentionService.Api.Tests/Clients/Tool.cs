using System.Diagnostics;
using System.Text;

namespace AttentionService.Api.Tests.Clients;

/// <summary>Runs a command-line tool (node, npx, python3) to completion, capturing what it printed.</summary>
internal static class Tool
{
    /// <summary>The repository root: found by walking up from the test binaries to the solution.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path inside the repository, written with forward slashes.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Whether a tool's npm packages are installed (<c>npm ci</c> in its folder); in CI they must be.</summary>
    public static bool NodeModulesIn(string relative)
    {
        var present = Directory.Exists(Path.Combine(PathOf(relative), "node_modules"));
        if (!present && Environment.GetEnvironmentVariable("CI") == "true")
        {
            throw new InvalidOperationException($"{relative}/node_modules is missing: .ci/run runs npm ci there");
        }

        return present;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var lines = new object();
        process.OutputDataReceived += (_, e) => { lock (lines) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (lines) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} ran past {timeoutSeconds} s:\n{output}");
        }

        process.WaitForExit(); // drains the output events
        lock (lines)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static string FindRoot()
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
