using AttentionService.Api.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AttentionService.Api.V2;

/// <summary>V2's refusals: the v1 statuses and problem+json, plus the protocol's <c>error</c> member that V2 clients read.</summary>
internal static class V2Errors
{
    public const string Title = "The request does not follow the inference protocol";

    /// <summary>400 naming the input, parameter or header at fault.</summary>
    public static ProblemHttpResult BadRequest(string field, string message) =>
        ErrorResults.Create(StatusCodes.Status400BadRequest, Title, $"{field} {message}", new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult BadRequest(FieldErrors errors) =>
        ErrorResults.Create(StatusCodes.Status400BadRequest, Title, errors.Detail(), errors.ToDictionary());

    public static ProblemHttpResult UnknownModel(string model) => ErrorResults.Create(
        StatusCodes.Status404NotFound, "Unknown model", $"unknown model '{model}'; this server serves {string.Join(", ", Models.All.Select(m => m.Name))}");

    public static ProblemHttpResult UnknownVersion(string model, string version) => ErrorResults.Create(
        StatusCodes.Status404NotFound, "Unknown model version", $"model '{model}' has no version '{version}'; its only version is 1");

    /// <summary>Every problem answered under <c>/v2</c> carries <c>error</c>, the same text as <c>detail</c>.</summary>
    public static void AddErrorMember(ProblemDetailsContext context)
    {
        if (context.HttpContext.Request.Path.StartsWithSegments("/v2", StringComparison.Ordinal))
        {
            context.ProblemDetails.Extensions["error"] = context.ProblemDetails.Detail ?? context.ProblemDetails.Title;
        }
    }
}
