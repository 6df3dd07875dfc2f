using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AttentionService.Api.Telemetry;

/// <summary>
/// OpenTelemetry: the service's spans and metrics, ASP.NET Core's and the runtime's. Metrics are scraped at
/// <c>/metrics</c> (Prometheus text; <c>Attention:Telemetry:Prometheus=false</c> turns it off); traces and metrics are
/// also pushed over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard <c>OTEL_*</c> variables apply:
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_METRIC_EXPORT_INTERVAL</c>, ...). Without an
/// endpoint no tracer listens, and the service's spans cost nothing.
/// </summary>
internal static class ServiceTelemetry
{
    public const string PrometheusSetting = "Attention:Telemetry:Prometheus";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddServiceTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var prometheus = configuration.GetValue(PrometheusSetting, true);
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]);
        builder.Services.AddSingleton<AttentionTelemetry>();

        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(
            configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "attention-service",
            serviceVersion: typeof(ServiceTelemetry).Assembly.GetName().Version?.ToString()));

        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(AttentionTelemetry.Name).AddAspNetCoreInstrumentation().AddRuntimeInstrumentation();

            // A meter listener hears every meter of its name in the process. Instruments made by another host's
            // IMeterFactory (several hosts run in one test process) are that host's, not this one's.
            ((IDeferredMeterProviderBuilder)metrics).Configure((services, deferred) =>
            {
                var own = services.GetRequiredService<IMeterFactory>();
                deferred.AddView(instrument => instrument.Meter.Scope is IMeterFactory scope && !ReferenceEquals(scope, own)
                    ? MetricStreamConfiguration.Drop
                    : null);
            });
            if (prometheus)
            {
                // Prometheus scrapes every few seconds; a cached answer would only make the numbers lag.
                metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            }

            if (otlp)
            {
                metrics.AddOtlpExporter();
            }
        });

        if (otlp)
        {
            otel.WithTracing(tracing => tracing
                .AddSource(AttentionTelemetry.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbeOrScrape(context.Request.Path))
                .AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>Maps <c>/metrics</c> unless switched off; scrapes are not counted as HTTP requests.</summary>
    public static IEndpointRouteBuilder MapServiceMetrics(this IEndpointRouteBuilder app)
    {
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        if (configuration.GetValue(PrometheusSetting, true))
        {
            app.MapPrometheusScrapingEndpoint().DisableHttpMetrics();
        }

        return app;
    }

    private static bool IsProbeOrScrape(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
