using System.Text;
using Microsoft.AspNetCore.Http;
using AttentionService.Api.Logging;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace AttentionService.Api.Tests;

/// <summary>Request logging levels, a quiet start, and a console buffer that drops (and counts) rather than blocks.</summary>
public class LoggingTests
{
    [Fact]
    public async Task Start_WarmUpAndProbes_LogNoErrorsAndNoInformationLines()
    {
        using var factory = new AttentionServiceFactory();
        var client = factory.CreateClient();

        // Straight after start the engine may still be warming up: readiness answers 503 until it is warm.
        await Polling.UntilReadyAsync(client);
        (await client.GetAsync("/health/live")).Dispose();
        (await client.GetAsync("/")).Dispose();
        (await client.GetAsync("/metrics")).Dispose();

        factory.Entries.ShouldNotContain(e => e.Level >= LogLevel.Error, string.Join("\n", factory.Logs));
        factory.Entries.ShouldNotContain(e => e.Category == "Serilog.AspNetCore.RequestLoggingMiddleware", string.Join("\n", factory.Logs));
    }

    [Theory]
    [InlineData("engine warming up", "engine", LogEventLevel.Error, true)]
    [InlineData("shutting down: in-flight computations finish, new ones are refused", "engine", LogEventLevel.Error, true)]
    [InlineData("engine warm-up failed: out of memory", "engine", LogEventLevel.Error, false)]
    [InlineData("engine warming up", "engine", LogEventLevel.Warning, false)]
    public void HealthReports_OfWarmUpAndDraining_AreNotErrors(string description, string check, LogEventLevel level, bool dropped)
    {
        // The event DefaultHealthCheckService writes for an unhealthy check (its template and property names).
        var parser = new Serilog.Parsing.MessageTemplateParser();
        var e = new LogEvent(DateTimeOffset.UtcNow, level, null,
            parser.Parse("Health check {HealthCheckName} with status {HealthStatus} completed after {ElapsedMilliseconds}ms with message '{HealthCheckDescription}'"),
            [
                new LogEventProperty("HealthCheckName", new ScalarValue(check)),
                new LogEventProperty("HealthStatus", new ScalarValue("Unhealthy")),
                new LogEventProperty("HealthCheckDescription", new ScalarValue(description)),
                new LogEventProperty("SourceContext", new ScalarValue("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService")),
            ]);

        ServiceLogging.IsExpectedUnreadiness(e).ShouldBe(dropped);
    }

    [Theory]
    [InlineData("/v1/attention", 200, true, LogEventLevel.Information)]
    [InlineData("/v1/attention", 422, true, LogEventLevel.Information)]
    [InlineData("/v1/attention", 503, true, LogEventLevel.Warning)]
    [InlineData("/v1/attention", 504, true, LogEventLevel.Warning)]
    [InlineData("/v1/attention", 500, true, LogEventLevel.Error)]
    [InlineData("/health/ready", 503, true, LogEventLevel.Debug)]
    [InlineData("/health/ready", 500, true, LogEventLevel.Error)]
    [InlineData("/metrics", 200, true, LogEventLevel.Debug)]
    [InlineData("/js/playground.js", 200, false, LogEventLevel.Debug)]
    [InlineData("/no/such/file", 404, false, LogEventLevel.Information)]
    public void RequestLevel_FollowsPathAndStatus(string path, int status, bool endpoint, LogEventLevel level)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Response.StatusCode = status;
        if (endpoint)
        {
            context.SetEndpoint(new Endpoint(null, null, path));
        }

        ServiceLogging.LevelOf(context, 1, null).ShouldBe(level);
    }

    [Fact]
    public void ConsoleBuffer_WhenFull_DropsAndCountsInsteadOfBlocking()
    {
        using var gate = new ManualResetEventSlim();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (logger, console, buffer) = StalledConsole(gate, capacity: 4);
        using (logger)
        {
            for (var i = 0; i < 100; i++)
            {
                logger.Information("event {Number}", i);
            }

            clock.Stop();
            buffer.Dropped.ShouldBe(100 - 4);
            buffer.Queued.ShouldBe(4);
            gate.Set();
        }

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5)); // the logger never waited for the stuck console
        var lines = Encoding.UTF8.GetString(console.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1 + 4);
        lines[1].ShouldContain("\"Number\":0}");
        buffer.Queued.ShouldBe(0);
    }

    [Fact]
    public void BufferedConsole_WritesEveryLineWholeAndInOrder_InFewWrites_EvenPastAMegabyte()
    {
        const int Events = 2000;
        var text = string.Concat(Enumerable.Repeat("ü𝄞", 200)); // 600 characters, 400 of them surrogate pairs
        using var gate = new ManualResetEventSlim();
        var (logger, console, buffer) = StalledConsole(gate, capacity: Events + 1);
        using (logger)
        {
            for (var i = 0; i < Events; i++)
            {
                logger.Information("event {Number} {Text}", i, text);
            }

            buffer.Queued.ShouldBe(Events); // about 1.4 million characters, one batch
            gate.Set();
        }

        // Disposing the logger disposes the sink, which writes what it still holds.
        var lines = Encoding.UTF8.GetString(console.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1 + Events);
        for (var i = 0; i < Events; i++)
        {
            lines[1 + i].ShouldContain($"\"Number\":{i},\"Text\":\"{text}\"");
        }

        console.Writes.ShouldBeLessThan(20); // 256 K characters a write
        buffer.Dropped.ShouldBe(0);
        buffer.Queued.ShouldBe(0);
    }

    [Fact]
    public void BufferedConsole_WithAStuckConsole_HoldsAtMostItsCharacterBound()
    {
        var large = new string('x', 100_000); // as an event with a long stack trace might be
        using var gate = new ManualResetEventSlim();
        var (logger, _, buffer) = StalledConsole(gate, capacity: 10_000);
        using (logger)
        {
            for (var i = 0; i < 200; i++)
            {
                logger.Information("event {Text}", large);
            }

            var held = buffer.Queued;
            (held * large.Length).ShouldBeLessThanOrEqualTo(BufferedConsoleSink.MaxHeldChars + large.Length);
            buffer.Dropped.ShouldBe(200 - held);
            gate.Set();
        }
    }

    [Fact]
    public void BufferedConsole_AfterDisposal_TakesEventsWithoutThrowing_AndWritesNoMore()
    {
        var console = new CountingStream();
        var sink = new BufferedConsoleSink(new Serilog.Formatting.Compact.CompactJsonFormatter(), console, capacity: 2, new LogBuffer());
        sink.Dispose();
        var written = console.Length;

        for (var i = 0; i < 5; i++)
        {
            Should.NotThrow(() => sink.Emit(new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new Serilog.Parsing.MessageTemplateParser().Parse("late {N}"), [])));
        }

        console.Length.ShouldBe(written);
    }

    /// <summary>
    /// A logger over a <see cref="BufferedConsoleSink"/> whose console takes nothing until <paramref name="gate"/> opens:
    /// one line ("first", the first line the console will show) is logged and the writer is waiting in the console, so
    /// whatever is logged next is held.
    /// </summary>
    private static (Serilog.Core.Logger Logger, StuckStream Console, LogBuffer Counts) StalledConsole(ManualResetEventSlim gate, int capacity)
    {
        var counts = new LogBuffer();
        var console = new StuckStream(gate);
        var logger = new LoggerConfiguration()
            .WriteTo.Sink(new BufferedConsoleSink(new Serilog.Formatting.Compact.CompactJsonFormatter(), console, capacity, counts))
            .CreateLogger();
        logger.Information("first");
        console.Entered.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue();
        return (logger, console, counts);
    }

    private sealed class CountingStream : MemoryStream
    {
        public int Writes;

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            base.Write(buffer, offset, count);
        }
    }

    /// <summary>A console that takes nothing until the gate opens.</summary>
    private sealed class StuckStream(ManualResetEventSlim gate) : MemoryStream
    {
        public ManualResetEventSlim Entered { get; } = new();

        public int Writes { get; private set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            Entered.Set();
            gate.Wait(TimeSpan.FromSeconds(10));
            base.Write(buffer, offset, count);
        }
    }
}
