using System.Diagnostics;
using System.Globalization;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serilog.Settings.Configuration;

namespace AttentionService.Api.Logging;

/// <summary>
/// Serilog for the host and one line per request (Serilog.AspNetCore). No static bootstrap logger: each host builds its
/// own from its configuration, so several hosts in one process (the tests) keep their own logs and levels.
/// </summary>
internal static class ServiceLogging
{
    /// <summary>The request line; its extra properties are set in <see cref="Enrich"/>.</summary>
    public const string RequestTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.000} ms {Shapes:l}";

    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// Levels from the <c>Serilog</c> section; readable text in Development and compact JSON (CLEF) otherwise, through
    /// a bounded queue that drops rather than blocks when the console falls behind (<c>Attention:Logging:BufferSize</c>
    /// events, 10000 by default); the lines reach the console in batches (<see cref="BufferedConsoleSink"/>).
    /// Providers registered with Microsoft.Extensions.Logging (the tests' capture) still receive every event.
    /// </summary>
    public static WebApplicationBuilder AddServiceLogging(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        var bufferSize = builder.Configuration.GetValue("Attention:Logging:BufferSize", 10_000);
        if (bufferSize < 1)
        {
            throw new InvalidOperationException($"Attention:Logging:BufferSize is {bufferSize}; it must be at least 1 (events held for the console).");
        }

        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<LogBuffer>();
        builder.Services.TryAddSingleton(LogOutput.StandardOutput);
        builder.Services.AddSerilog(
            (services, configuration) => configuration
                .ReadFrom.Configuration(builder.Configuration, new ConfigurationReaderOptions(typeof(Log).Assembly) { SectionName = "Serilog" })
                .Enrich.FromLogContext()
                .Filter.ByExcluding(IsExpectedUnreadiness)
                .WriteTo.Sink(new BufferedConsoleSink(
                    development ? new MessageTemplateTextFormatter(TextTemplate, CultureInfo.InvariantCulture) : new CompactJsonFormatter(),
                    services.GetRequiredService<LogOutput>().Stream,
                    bufferSize,
                    services.GetRequiredService<LogBuffer>())),
            preserveStaticLogger: true,
            writeToProviders: true);
        return builder;
    }

    /// <summary>One event per request, at Debug for probes, scrapes and static files, enriched with <see cref="Enrich"/>.</summary>
    public static IApplicationBuilder UseServiceRequestLogging(this IApplicationBuilder app) => app.UseSerilogRequestLogging(o =>
    {
        // The host's own logger: with preserveStaticLogger the static Log.Logger stays silent.
        o.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
        o.MessageTemplate = RequestTemplate;
        o.GetLevel = LevelOf;
        o.EnrichDiagnosticContext = Enrich;
    });

    /// <summary>
    /// Errors are 5xx other than the refusals 503 (busy, draining) and 504 (deadline), which are warnings. Probes,
    /// metric scrapes and what no endpoint served successfully (static files, Swagger UI's assets) are Debug, so one
    /// line per request at Information means one per API request.
    /// </summary>
    internal static LogEventLevel LevelOf(HttpContext context, double elapsedMs, Exception? exception)
    {
        var status = context.Response.StatusCode;
        if (exception is not null || (status >= 500 && status is not (StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout)))
        {
            return LogEventLevel.Error;
        }

        var path = context.Request.Path;
        if (path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || (context.GetEndpoint() is null && status < 400))
        {
            return LogEventLevel.Debug;
        }

        return status >= 500 ? LogEventLevel.Warning : LogEventLevel.Information;
    }

    /// <summary>Shapes (never numbers), the client address (after trusted forwarded headers), request, trace and span ids.</summary>
    private static void Enrich(IDiagnosticContext log, HttpContext context)
    {
        var feature = context.Features.Get<RequestLogFeature>();
        log.Set("Shapes", feature?.Shapes ?? "");
        log.Set("RequestId", feature?.RequestId ?? context.TraceIdentifier);
        log.Set("ClientAddress", context.Connection.RemoteIpAddress?.ToString() ?? "-");
        if (Activity.Current is { } activity)
        {
            log.Set("TraceId", activity.TraceId.ToHexString());
            log.Set("SpanId", activity.SpanId.ToHexString());
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            log.Set("ClientAborted", true);
        }
    }

    /// <summary>
    /// The health check service logs an unhealthy check as an Error. Readiness is unhealthy by design while the engine
    /// warms up and once the host drains; those are states, not faults. A failed warm-up is still an error (it logs
    /// itself, and its health report does not match).
    /// </summary>
    internal static bool IsExpectedUnreadiness(LogEvent e) =>
        e.Level == LogEventLevel.Error
        && e.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService" }
        && e.Properties.TryGetValue("HealthCheckDescription", out var description) && description is ScalarValue { Value: string text }
        && (text.StartsWith("engine warming up", StringComparison.Ordinal) || text.StartsWith("shutting down", StringComparison.Ordinal));
}
