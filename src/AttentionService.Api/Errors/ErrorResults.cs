using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AttentionService.Api.Errors;

/// <summary>RFC 9457 answers; <c>type</c>, <c>traceId</c> and the content type are added by the problem details service.</summary>
internal static class ErrorResults
{
    public static ProblemHttpResult Create(int status, string title, string detail, IDictionary<string, string[]>? errors = null)
    {
        var problem = errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(errors);
        problem.Status = status;
        problem.Title = title;
        problem.Detail = detail;
        return TypedResults.Problem(problem);
    }

    /// <summary>The detail of a 415, whether the handler or routing (which checks the declared content type first) refuses.</summary>
    public static string UnsupportedMediaTypeDetail(string? contentType) =>
        $"send the body as application/json; it was {(string.IsNullOrEmpty(contentType) ? "sent without a content type" : contentType)}";

    /// <summary>422 with one entry per field, as the contract's <c>errors</c> object.</summary>
    public static ProblemHttpResult Unprocessable(FieldErrors errors) =>
        Create(StatusCodes.Status422UnprocessableEntity, "The request is not a computable attention problem", errors.Detail(), errors.ToDictionary());

    /// <summary>400 for JSON that does not fit the contract: the field comes from the reader's path (<c>$.query[0]</c>).</summary>
    public static ProblemHttpResult FromJsonException(JsonException e)
    {
        var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
        var message = Clean(e.Message);
        return Create(StatusCodes.Status400BadRequest, "The request body does not match the contract", $"{field}: {message}", new Dictionary<string, string[]> { [field] = [message] });
    }

    /// <summary>Drops .NET type names and reader positions from serializer messages.</summary>
    private static string Clean(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        message = cut >= 0 ? message[..cut] : message;
        return message
            .Replace("AttentionService.Api.Attention.", "", StringComparison.Ordinal)
            .Replace("AttentionService.Api.SelfAttention.", "", StringComparison.Ordinal)
            .Replace("AttentionService.Api.Multihead.", "", StringComparison.Ordinal)
            .Replace("AttentionService.Api.V2.", "", StringComparison.Ordinal)
            .Replace("AttentionService.Engine.", "", StringComparison.Ordinal)
            .Replace("System.", "", StringComparison.Ordinal)
            .Trim();
    }
}
