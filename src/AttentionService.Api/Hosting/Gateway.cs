using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.Swagger;
using IPAddress = System.Net.IPAddress;
using IPNetwork = System.Net.IPNetwork;

namespace AttentionService.Api.Hosting;

/// <summary>
/// The <c>Attention:Gateway</c> section: how the service runs behind a reverse proxy (nginx, an ingress controller).
/// Environment variables: <c>Attention__Gateway__KnownNetworks__0=10.0.0.0/8</c>, <c>Attention__Gateway__PathBase=/attention</c>.
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Attention:Gateway";

    /// <summary>
    /// CIDR ranges (<c>10.0.0.0/8</c>, <c>127.0.0.1/32</c>) of the gateways whose <c>X-Forwarded-For</c>,
    /// <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Prefix</c> headers are believed. Empty (the default): nobody's,
    /// loopback included, so a client cannot choose the address the service logs unless a gateway was named here.
    /// </summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>
    /// A path prefix such as <c>/attention</c> for gateways that forward the full path instead of stripping the prefix
    /// and sending <c>X-Forwarded-Prefix</c>; requests under it are served as if at the root. Empty (the default): none.
    /// </summary>
    public string? PathBase { get; set; }

    /// <summary>
    /// The URL clients use, such as <c>https://api.example.com/attention</c>, named as the OpenAPI document's server.
    /// Empty (the default): the server is the path base, relative to wherever the document was fetched from.
    /// </summary>
    public Uri? PublicUrl { get; set; }
}

/// <summary>Checks every known network is a CIDR range and the path base a rooted path, so a typo stops start-up.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        for (var i = 0; i < options.KnownNetworks.Length; i++)
        {
            if (!IsExactRange(options.KnownNetworks[i]))
            {
                failures.Add($"{GatewayOptions.Section}:KnownNetworks:{i} is '{options.KnownNetworks[i]}', not a CIDR range with zero host bits such as 10.0.0.0/8 or 127.0.0.1/32.");
            }
        }

        if (!string.IsNullOrEmpty(options.PathBase) && (!options.PathBase.StartsWith('/') || options.PathBase.EndsWith('/')))
        {
            failures.Add($"{GatewayOptions.Section}:PathBase is '{options.PathBase}'; it must start with '/' and not end with one, such as /attention.");
        }

        if (options.PublicUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{GatewayOptions.Section}:PublicUrl is '{url}'; it must be an absolute http or https URL such as https://api.example.com/attention.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// A CIDR range whose address is its first one. The framework's parser would quietly read 10.0.0.1/8 as
    /// 10.0.0.0/8, and a typo for 10.0.0.1/32 must not trust sixteen million addresses.
    /// </summary>
    private static bool IsExactRange(string? text)
    {
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        return slash > 0
            && IPNetwork.TryParse(text, out var network)
            && IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            && address.Equals(network.BaseAddress);
    }
}

/// <summary>Forwarded headers from trusted gateways, a configured path base, and an OpenAPI document that names the public URL.</summary>
public static class Gateway
{
    /// <summary>Binds and validates <see cref="GatewayOptions"/> and configures forwarded headers and the OpenAPI server URL.</summary>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewayOptions>>((forwarded, gateway) =>
        {
            // X-Forwarded-Host stays off: nginx passes the client's Host through, and believing another header for it
            // would also need an AllowedHosts list.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedPrefix;

            // The framework trusts loopback by default; only the configured networks may speak for a client.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in gateway.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(IPNetwork.Parse(network));
            }

            // nginx appends the address it saw to the client's X-Forwarded-For; walking right to left stops at the
            // first address outside the known networks, so the limit is the trust list, not a hop count.
            forwarded.ForwardLimit = null;
        });

        // The document's server is the configured public URL, or the path base relative to the document, so Swagger UI's
        // "Try it out" calls through the gateway. Never the request's Host: a cache in front would keep a document that
        // names whatever host one client sent.
        services.Configure<SwaggerOptions>(swagger => swagger.PreSerializeFilters.Add((document, request) =>
        {
            var publicUrl = request.HttpContext.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.PublicUrl;
            document.Servers = [new OpenApiServer { Url = publicUrl?.AbsoluteUri.TrimEnd('/') ?? (request.PathBase.HasValue ? request.PathBase.Value : "/") }];
        }));
        return builder;
    }

    /// <summary>
    /// Applies forwarded headers (only when some network is trusted: with no known network at all the framework would
    /// believe everyone) and the path base. Runs first, so the request log and everything after see the client's address.
    /// </summary>
    public static WebApplication UseGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var gateway = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        if (gateway.KnownNetworks.Length > 0)
        {
            app.UseForwardedHeaders();
        }

        if (!string.IsNullOrEmpty(gateway.PathBase))
        {
            app.UsePathBase(gateway.PathBase);

            // WebApplication routes before the first middleware unless told otherwise; the path without its base must
            // be what routing matches.
            app.UseRouting();
        }

        return app;
    }
}
