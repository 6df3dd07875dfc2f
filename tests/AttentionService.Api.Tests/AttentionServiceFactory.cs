using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests;

/// <summary>The service in memory, shared per test collection; its logs go to the running test's output and to <see cref="Logs"/>.</summary>
public class AttentionServiceFactory : WebApplicationFactory<Program>
{
    private readonly CapturingLoggerProvider _logs = new();

    /// <summary>Every log message the host wrote, in order.</summary>
    public IReadOnlyCollection<string> Logs => _logs.Messages;

    /// <summary>Every log event the host wrote, with its level and properties, in order.</summary>
    public IReadOnlyCollection<LogEntry> Entries => _logs.Entries;

    /// <summary>Where the current test wants the host's logs.</summary>
    public ITestOutputHelper? Output
    {
        get => _logs.Output;
        set => _logs.Output = value;
    }

    /// <summary>Extra configuration, applied over appsettings.json.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(_logs));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ConcurrentQueue<LogEntry> Entries { get; } = new();

        public ITestOutputHelper? Output { get; set; }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = $"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}";
                provider.Messages.Enqueue(line);
                var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs
                    ? pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value?.ToString() ?? "")
                    : [];
                provider.Entries.Enqueue(new LogEntry(logLevel, category, formatter(state, exception), properties));
                try
                {
                    provider.Output?.WriteLine(line);
                }
                catch (InvalidOperationException)
                {
                    // the test that owned the output has finished
                }
            }
        }
    }
}

/// <summary>One log event as a Microsoft.Extensions.Logging provider saw it; property values as text (strings unquoted).</summary>
public sealed record LogEntry(LogLevel Level, string Category, string Message, IReadOnlyDictionary<string, string> Properties);

[CollectionDefinition(nameof(SharedService))]
public sealed class SharedService : ICollectionFixture<AttentionServiceFactory>;
