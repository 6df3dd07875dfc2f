namespace AttentionService.Api.Hosting;

/// <summary>
/// Headers on every answer the application writes: no MIME sniffing, a content security policy that lets the
/// playground and Swagger UI run from this origin alone (Swagger UI sets inline styles and draws data: images), and no
/// framing. Kestrel's own refusals (before a request reaches the application) go without them.
/// </summary>
internal static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            // When the answer starts: the exception handler clears headers set before it.
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpResponse)state).Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XFrameOptions = "DENY";
                return Task.CompletedTask;
            }, context.Response);
            return next(context);
        });
        return app;
    }
}
