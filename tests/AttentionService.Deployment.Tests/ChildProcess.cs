using System.Collections.Concurrent;
using System.Diagnostics;

namespace AttentionService.Deployment.Tests;

/// <summary>A process the tests started: its output lines are kept, and disposing kills it (and its children) if it still runs.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Standard output and standard error, one entry a line (error lines start with "! "), in arrival order.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The last lines, for failure messages.</summary>
    public string Tail(int count = 40) => $"--- {Name} (last {count} lines) ---\n" + string.Join('\n', _lines.TakeLast(count));

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // A build started from inside `dotnet test` would otherwise inherit the outer MSBuild's node settings.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child._lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child._lines.Enqueue("! " + e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a command to its end (at most <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string name, string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var child = Start(name, fileName, arguments, workingDirectory, environment ?? new Dictionary<string, string?>());
        if (!await child.WaitForExitAsync(timeout))
        {
            throw new TimeoutException($"{name} did not finish within {timeout.TotalSeconds:0} s\n{child.Tail()}");
        }

        return (child.ExitCode, string.Join('\n', child.Lines));
    }

    /// <summary>Waits for the process to end; false if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            // The parameterless wait also drains the redirected output, so Lines is complete afterwards.
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends a signal by name (TERM, QUIT) the way `docker stop` or `kill` would.</summary>
    public async Task SignalAsync(string signal)
    {
        var (code, output) = await RunAsync("kill", "kill", ["-s", signal, Id.ToString()], Path.GetTempPath(), TimeSpan.FromSeconds(10));
        code.ShouldBe(0, $"kill -s {signal} {Id}: {output}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // it ended between the check and the kill
        }
        finally
        {
            _process.Dispose();
        }
    }
}
