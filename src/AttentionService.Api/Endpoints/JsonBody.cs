using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AttentionService.Api.Hosting;
using AttentionService.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Endpoints;

/// <summary>Reads a JSON request body with the source-generated contract, answering 400, 413 or 415 as problem+json.</summary>
internal static class JsonBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, ApiProblems.Create(
                StatusCodes.Status415UnsupportedMediaType,
                "Unsupported media type",
                $"send the body as application/json; it was {(string.IsNullOrEmpty(request.ContentType) ? "sent without a content type" : request.ContentType)}"));
        }

        var limit = context.RequestServices.GetRequiredService<IOptions<AttentionOptions>>().Value.Limits.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(request.ContentLength.Value, limit));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, typeInfo, context.RequestAborted);
            return value is null
                ? (null, ApiProblems.Create(StatusCodes.Status400BadRequest, "The request body does not match the contract", "body: expected a JSON object, found null"))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, ApiProblems.FromJsonException(e));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(null, limit));
        }
    }

    private static ProblemHttpResult TooLarge(long? length, long limit) => ApiProblems.Create(
        StatusCodes.Status413PayloadTooLarge,
        "Request body too large",
        $"the body {(length is { } l ? $"is {l} bytes" : "exceeds the limit")}; this service accepts at most {limit} bytes (Attention:Limits:MaxRequestBodyBytes)");
}
