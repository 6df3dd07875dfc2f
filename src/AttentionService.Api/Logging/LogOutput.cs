namespace AttentionService.Api.Logging;

/// <summary>Where the log lines go: standard output, or what a test puts in its place.</summary>
internal sealed record LogOutput(Stream Stream)
{
    /// <summary>The process's standard output, unbuffered: each write is one system call. One for every host in the process.</summary>
    public static LogOutput StandardOutput { get; } = new(Console.OpenStandardOutput());
}
