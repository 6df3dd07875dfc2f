using AttentionService.Api.Compute;
using System.Globalization;
using System.Threading.RateLimiting;
using AttentionService.Api.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Hosting;

/// <summary>
/// What keeps the service standing under load and abuse, with the framework's own mechanisms: Kestrel limits against
/// slow clients, request timeouts for the deadline (504), a concurrency limiter for admission (503), graceful
/// shutdown, and optional API keys with a per-key token bucket (401, 429).
/// </summary>
internal static class Resilience
{
    public const string ComputePolicy = "compute";
    public const string PerKeyPolicy = "per-key";

    public static WebApplicationBuilder AddResilience(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddSingleton<Admission>();
        services.AddSingleton<MemoryBudget>();
        services.AddExceptionHandler<OutOfMemoryHandler>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(configuration.GetValue("ShutdownTimeoutSeconds", 25.0)));
        services.AddOptions<KestrelServerOptions>().Configure(kestrel =>
        {
            kestrel.AddServerHeader = false;
            ApplyKestrelLimits(kestrel.Limits, configuration.GetSection("Kestrel:Limits"));
        });

        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<AttentionOptions>>((o, options) =>
        {
            var timeout = options.Value.Engine.TimeoutSeconds;
            o.AddPolicy(ComputePolicy, new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(timeout),
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
                WriteTimeoutResponse = context => WriteProblemAsync(
                    context, StatusCodes.Status504GatewayTimeout, "The computation ran past its deadline",
                    $"the request took longer than {timeout.ToString(CultureInfo.InvariantCulture)} s (Attention:Engine:TimeoutSeconds), queueing included, and was stopped; send a smaller problem or returnWeights: false"),
            });
        });

        // The key scheme exists only when keys are configured. Without it the authentication middleware (which the host
        // adds whether asked or not, and which makes a lone scheme the default) has nothing to run on each request,
        // instead of a key handler answering NoResult.
        services.AddAuthentication();
        services.AddOptions<AuthenticationOptions>().Configure<IOptions<AttentionOptions>>((o, options) =>
        {
            if (options.Value.Auth.Enabled)
            {
                o.AddScheme<ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
                o.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName;
            }
        });
        services.AddAuthorization();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<AttentionOptions>>((o, options) =>
        {
            var auth = options.Value.Auth;
            var perSecond = auth.PermitsPerSecond;
            o.AddPolicy(PerKeyPolicy, context =>
            {
                var key = context.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value;
                if (key is null || perSecond <= 0)
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }

                // Whole tokens per period: a rate below one per second becomes one token per longer period.
                var period = perSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / perSecond);
                var tokens = perSecond >= 1 ? (int)Math.Round(perSecond) : 1;
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = auth.Burst > 0 ? auth.Burst : tokens,
                    TokensPerPeriod = tokens,
                    ReplenishmentPeriod = period,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests for this API key",
                    $"this key may make {perSecond.ToString(CultureInfo.InvariantCulture)} requests per second (Attention:Auth:PermitsPerSecond); retry after {retryAfter} s");
            };
        });

        return builder;
    }

    /// <summary>The endpoint-aware part of the pipeline, in the order that keeps each mechanism honest.</summary>
    public static WebApplication UseResilience(this WebApplication app)
    {
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseKeyBeforeRoutingRefusals();
        app.UseRateLimiter(); // before the timeouts: the per-key limiter never queues, so no timed-out wait can answer 200
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>
    /// Routing answers a wrong content type (415) or method (405) with endpoints of its own, which carry no
    /// authorization; under <c>/v1</c>, with keys configured, a client without a valid key is told that first (401).
    /// </summary>
    private static void UseKeyBeforeRoutingRefusals(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<AttentionOptions>>().Value.Auth.Enabled)
        {
            return;
        }

        app.Use((context, next) =>
            context.Request.Path.StartsWithSegments("/v1")
            && context.GetEndpoint() is { } endpoint
            && endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>() is null
            && context.User.Identity?.IsAuthenticated != true
                ? context.ChallengeAsync()
                : next(context));
    }

    /// <summary>Applies the compute conventions to an endpoint group: deadline, and keys and per-key limits when configured.</summary>
    public static RouteGroupBuilder WithComputeConventions(this RouteGroupBuilder group, AuthOptions auth)
    {
        group.WithRequestTimeout(ComputePolicy);
        if (auth.Enabled)
        {
            group.RequireAuthorization().RequireRateLimiting(PerKeyPolicy)
                .ProducesProblem(StatusCodes.Status401Unauthorized)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
        }

        return group;
    }

    public static Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    /// <summary>
    /// Binds <c>Kestrel:Limits</c> over the defaults below. The binder cannot create Kestrel's <c>MinDataRate</c>
    /// (it has no parameterless constructor), so the data rates are read here by hand.
    /// </summary>
    private static void ApplyKestrelLimits(KestrelServerLimits limits, IConfigurationSection section)
    {
        limits.RequestHeadersTimeout = section.GetValue("RequestHeadersTimeout", TimeSpan.FromSeconds(10));

        // A connection that sends nothing, new or between requests, is closed by the keep-alive timeout, not the header
        // timeout; by default both are the header timeout, so an idle socket is held no longer than a slow header.
        limits.KeepAliveTimeout = section.GetValue("KeepAliveTimeout", limits.RequestHeadersTimeout);

        // An idle connection costs a socket and a few kilobytes (Kestrel allocates no buffer until data arrives), and
        // each is closed within the timeout above: the limit is sized for many of them, not for the few computing.
        limits.MaxConcurrentConnections = section.GetValue<long?>("MaxConcurrentConnections", 10_000);
        limits.MaxRequestHeadersTotalSize = section.GetValue("MaxRequestHeadersTotalSize", 32 * 1024);

        // Bodies are tensors sent by programs, not forms typed by people: 64 KiB/s after 2 s is slow for any network a
        // compute client uses, and a trickle below it is cut off within about 3 s instead of holding an intake place.
        limits.MinRequestBodyDataRate = DataRate(section.GetSection("MinRequestBodyDataRate"), 64 * 1024, TimeSpan.FromSeconds(2));
        limits.MinResponseDataRate = DataRate(section.GetSection("MinResponseDataRate"), 240, TimeSpan.FromSeconds(5));
    }

    private static MinDataRate DataRate(IConfigurationSection section, double bytesPerSecond, TimeSpan grace) =>
        new(section.GetValue("BytesPerSecond", bytesPerSecond), section.GetValue("GracePeriod", grace));
}
