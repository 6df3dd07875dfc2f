namespace AttentionService.Api.Logging;

/// <summary>Where the log lines go: standard output, or what a test puts in its place.</summary>
internal sealed record LogOutput(Stream Stream)
{
    private static readonly Lazy<LogOutput> Shared = new(() => new LogOutput(Console.OpenStandardOutput()));

    /// <summary>The process's standard output, unbuffered: each write is one system call.</summary>
    public static LogOutput StandardOutput => Shared.Value;
}
