using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using AttentionService.Api.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Security;

/// <summary>
/// Authenticates <c>X-API-Key</c> against the configured SHA-256 hashes, comparing in constant time. The key itself
/// is never stored or logged; the principal carries a short id derived from its hash, which partitions rate limits.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AttentionOptions> attention)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";
    public const string KeyIdClaim = "key_id";

    private readonly byte[][] _hashes = attention.Value.Auth.ApiKeyHashes.Select(Convert.FromHexString).ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(values[0]!));
        var match = false;
        foreach (var known in _hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, known); // no early exit: every hash is compared
        }

        if (!match)
        {
            return Task.FromResult(AuthenticateResult.Fail("the API key is not valid"));
        }

        var identity = new ClaimsIdentity([new Claim(KeyIdClaim, Convert.ToHexStringLower(hash)[..12])], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "An API key is required",
                Detail = Request.Headers.ContainsKey(HeaderName)
                    ? $"the {HeaderName} header does not hold a valid key"
                    : $"send a valid key in the {HeaderName} header",
            },
        });
    }
}
