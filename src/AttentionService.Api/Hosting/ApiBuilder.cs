using AttentionService.Api.Attention;
using AttentionService.Api.Errors;
using AttentionService.Api.Health;
using AttentionService.Api.Merge;
using AttentionService.Api.Multihead;
using AttentionService.Api.Scorings;
using AttentionService.Api.SelfAttention;
using AttentionService.Api.Wire;
using AttentionService.Api.Logging;
using AttentionService.Api.OpenApi;
using AttentionService.Engine;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Serilog;
using Serilog.Settings.Configuration;

namespace AttentionService.Api.Hosting;

/// <summary>Composition of the service: what <c>Program.cs</c> calls.</summary>
public static class ApiBuilder
{
    /// <summary>Registers logging, options, the engine, health checks, JSON and OpenAPI.</summary>
    public static WebApplicationBuilder AddAttentionService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddSerilog();
        builder.AddGateway();
        var services = builder.Services;

        services.AddOptions<AttentionOptions>().BindConfiguration(AttentionOptions.Section)
            .Validate(o => o.Auth.ApiKeyHashes.All(IsSha256Hex), "Attention:Auth:ApiKeyHashes entries must be SHA-256 hashes: 64 hexadecimal digits")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AttentionOptions>, AttentionOptionsValidator>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<AttentionOptions>>(
            (kestrel, attention) => kestrel.Limits.MaxRequestBodySize = attention.Value.Limits.MaxRequestBodyBytes);

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AttentionOptions>>().Value;
            return new AttentionEngine(new AttentionEngineOptions
            {
                KernelPath = options.Engine.KernelPath,
                MaxDegreeOfParallelism = options.Engine.MaxDegreeOfParallelism > 0 ? options.Engine.MaxDegreeOfParallelism : Environment.ProcessorCount,
                MaxScoreElements = options.Limits.MaxScoreElements,
                MaxReturnedWeights = options.Limits.MaxReturnedWeights,
            });
        });

        builder.AddResilience();
        services.AddSingleton<EngineWarmup>();
        services.AddHostedService(sp => sp.GetRequiredService<EngineWarmup>());
        services.AddHealthChecks().AddCheck<EngineWarmup>("engine", tags: [HealthEndpoints.ReadyTag]);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Routing answers 415 itself (the endpoints declare application/json) with no detail; say what to send.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
            {
                context.ProblemDetails.Detail = ErrorResults.UnsupportedMediaTypeDetail(context.HttpContext.Request.ContentType);
            }
        });
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default);
            o.SerializerOptions.Converters.Add(new ScoringConverter());
            o.SerializerOptions.Converters.Add(new PrecisionConverter());
        });

        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "AttentionService",
                Version = "v1",
                Description = "Attention as a service: scaled dot-product, dot, cosine, Pearson (correlation), general and additive scoring, with masks, bias, causal, batches, heads, grouped-query and multi-head projections, in float32 or float64.",
            });
            foreach (var assembly in new[] { typeof(ApiBuilder).Assembly, typeof(AttentionEngine).Assembly })
            {
                var xml = Path.Combine(AppContext.BaseDirectory, assembly.GetName().Name + ".xml");
                if (File.Exists(xml))
                {
                    o.IncludeXmlComments(xml);
                }
            }

            OpenApiSchemas.AddTensorTypes(o);
            o.SchemaFilter<EnumSchemaFilter>();
            o.OperationFilter<RequestExamplesFilter>();
            o.SupportNonNullableReferenceTypes();
            o.UseAllOfToExtendReferenceSchemas();
        });

        return builder;
    }

    /// <summary>The middleware pipeline and the endpoints.</summary>
    public static WebApplication UseAttentionService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseGateway();
        app.UseMiddleware<RequestLoggingMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseSwagger();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("v1/swagger.json", "AttentionService v1");
            o.DocumentTitle = "AttentionService";
            o.EnableTryItOutByDefault();
        });
        app.UseResilience();
        app.MapHealth();
        app.MapV1();
        return app;
    }

    /// <summary>The <c>/v1</c> endpoints, one feature folder each.</summary>
    private static RouteGroupBuilder MapV1(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AttentionOptions>>().Value.Auth;
        var v1 = app.MapGroup("/v1").WithTags("Attention").WithComputeConventions(auth);
        v1.MapAttention();
        v1.MapSelfAttention();
        v1.MapMultihead();
        v1.MapMerge();
        v1.MapScorings();
        v1.MapCapabilities();
        return v1;
    }

    private static bool IsSha256Hex(string hash) => hash.Length == 64 && hash.All(char.IsAsciiHexDigit);

    /// <summary>
    /// Serilog through Microsoft.Extensions.Logging (Serilog.AspNetCore cannot be restored here): levels from the
    /// <c>Serilog</c> section, readable text in Development and compact JSON otherwise. No static bootstrap logger,
    /// so several hosts in one process (tests) each keep their own.
    /// </summary>
    private static void AddSerilog(this WebApplicationBuilder builder)
    {
        var configuration = new LoggerConfiguration()
            .ReadFrom.Configuration(builder.Configuration, new ConfigurationReaderOptions(typeof(Log).Assembly) { SectionName = "Serilog" })
            .Enrich.FromLogContext();
        configuration = builder.Environment.IsDevelopment()
            ? configuration.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}", formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            : configuration.WriteTo.Console(new CompactJsonFormatter());
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(configuration.CreateLogger(), dispose: true);
    }
}
