using System.IO.Compression;
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
using AttentionService.Api.Telemetry;
using AttentionService.Api.V2;
using AttentionService.Engine;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace AttentionService.Api.Hosting;

/// <summary>Composition of the service: what <c>Program.cs</c> calls.</summary>
public static class ApiBuilder
{
    private static readonly PathString V1 = new("/v1");
    private static readonly PathString V2 = new("/v2");

    /// <summary>Registers logging, options, the engine, health checks, JSON and OpenAPI.</summary>
    public static WebApplicationBuilder AddAttentionService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceLogging();
        builder.AddServiceTelemetry();
        builder.AddGateway();
        var services = builder.Services;

        services.AddOptions<AttentionOptions>().BindConfiguration(AttentionOptions.Section)
            .Validate(o => o.Auth.ApiKeyHashes.All(IsSha256Hex), "Attention:Auth:ApiKeyHashes entries must be SHA-256 hashes: 64 hexadecimal digits")
            .Validate(o => o.Limits.MemoryBudgetBytes is 0 or >= 16 << 20, "Attention:Limits:MemoryBudgetBytes must be 0 (40 % of the memory the runtime may use) or at least 16777216 (16 MiB)")
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
                MaxProblemBytes = sp.GetRequiredService<Compute.MemoryBudget>().Total,
            });
        });

        // Compressed request bodies (gzip, deflate, br) are inflated on the way in; the body limit counts the inflated
        // bytes (RequestBody stops reading at it), so a zip bomb is a 413 with bounded memory. Answers are compressed when
        // the client asks, at the fastest level, gzip before br when both are accepted (gzip's fastest level took 0.6x the
        // time of br's for a 1 MB answer), and never the tensor-object answers, whose base64 gzip shrinks by 1 %
        // (DenseAnswers). Even so, on loopback compressing costs more than it saves: see README, "The wire".
        services.AddRequestDecompression();
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true; // the answers reflect no secret next to client input, so BREACH has nothing to find
            o.Providers.Add<GzipCompressionProvider>();
            o.Providers.Add<BrotliCompressionProvider>();
            o.MimeTypes = ["application/json", "application/problem+json"];
        });
        services.AddSingleton<IResponseCompressionProvider, DenseAnswers.CompressionProvider>();
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);

        builder.AddResilience();
        services.AddSingleton<IMemoryPoolFactory<byte>, TransportBufferPoolFactory>(); // after Kestrel's own: the last one registered is used
        services.AddSingleton<EngineWarmup>();
        services.AddHostedService(sp => sp.GetRequiredService<EngineWarmup>());
        services.AddHealthChecks().AddCheck<EngineWarmup>("engine", tags: [HealthEndpoints.ReadyTag]);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            ProblemDefaults.Complete(context);
            V2Errors.AddErrorMember(context);
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

            o.AddAttentionSchemas();
            o.AddV2Schemas();
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
        app.UseSecurityHeaders();
        app.UseMiddleware<RequestTelemetryMiddleware>();
        app.UseServiceRequestLogging();
        app.UseResponseCompression();
        app.UseRequestDecompression();
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        // The playground's files and the OpenAPI document and UI answer only GET and HEAD, and never under /v1 or /v2:
        // an API request skips the four middlewares that would each look at its path (and the file system) only to
        // pass it on. Either can be switched off (Attention:Ui).
        var ui = app.Services.GetRequiredService<IOptions<AttentionOptions>>().Value.Ui;
        app.UseWhen(IsSiteRequest, site =>
        {
            if (ui.Playground)
            {
                site.UseDefaultFiles();
                site.UseStaticFiles();
            }

            if (ui.Swagger)
            {
                site.UseSwagger();
                site.UseSwaggerUI(o =>
                {
                    o.SwaggerEndpoint("v1/swagger.json", "AttentionService v1");
                    o.DocumentTitle = "AttentionService";
                    o.EnableTryItOutByDefault();
                });
            }
        });

        app.UseResilience();
        app.MapHealth();
        app.MapServiceMetrics();
        app.MapV1();
        app.MapV2(app.Services.GetRequiredService<IOptions<AttentionOptions>>().Value.Auth);
        return app;
    }

    /// <summary>The <c>/v1</c> endpoints, one feature folder each.</summary>
    private static RouteGroupBuilder MapV1(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AttentionOptions>>().Value.Auth;
        var v1 = app.MapGroup(V1).WithTags("Attention").WithComputeConventions(auth);
        v1.MapAttention();
        v1.MapSelfAttention();
        v1.MapMultihead();
        v1.MapMerge();
        v1.MapScorings();
        v1.MapCapabilities();
        return v1;
    }

    private static bool IsSiteRequest(HttpContext context)
    {
        var request = context.Request;
        return (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && !request.Path.StartsWithSegments(V1, StringComparison.OrdinalIgnoreCase)
            && !request.Path.StartsWithSegments(V2, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsSha256Hex(string hash) => hash.Length == 64 && hash.All(char.IsAsciiHexDigit);
}
