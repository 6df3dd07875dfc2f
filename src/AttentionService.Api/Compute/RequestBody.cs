using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AttentionService.Api.Errors;
using AttentionService.Api.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AttentionService.Api.Compute;

/// <summary>
/// The request body in two steps: read the bytes into a pooled buffer (I/O only, bounded by the body limit; 413 or
/// 415), then parse them with the source-generated contract (400) once the request has a compute slot.
/// </summary>
internal static class RequestBody
{
    public static async Task<(PooledBufferWriter? Body, ProblemHttpResult? Problem)> ReadAsync(HttpContext context, long limit)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, ErrorResults.Create(
                StatusCodes.Status415UnsupportedMediaType,
                "Unsupported media type",
                ErrorResults.UnsupportedMediaTypeDetail(request.ContentType)));
        }

        if (request.ContentLength > limit)
        {
            return (null, TooLarge(request.ContentLength.Value, limit));
        }

        var body = new PooledBufferWriter((int)Math.Clamp(request.ContentLength ?? 16 * 1024, 256, limit));
        try
        {
            var reader = request.BodyReader;
            while (true)
            {
                var result = await reader.ReadAsync(context.RequestAborted);
                foreach (var segment in result.Buffer)
                {
                    if (body.WrittenCount + segment.Length > limit)
                    {
                        reader.AdvanceTo(result.Buffer.End);
                        body.Dispose();
                        return (null, TooLarge(null, limit));
                    }

                    segment.Span.CopyTo(body.GetSpan(segment.Length));
                    body.Advance(segment.Length);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return (body, null);
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limit (413), or a client that stopped sending mid-body (400): the client's fault, never a 500.
            body.Dispose();
            return (null, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(null, limit)
                : ErrorResults.Create(e.StatusCode, "The request body could not be read", e.Message));
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    public static (T? Value, ProblemHttpResult? Problem) Parse<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (json.StartsWith("\uFEFF"u8))
        {
            json = json[3..]; // RFC 8259 lets a parser ignore a UTF-8 byte order mark
        }

        try
        {
            var value = JsonSerializer.Deserialize(json, typeInfo);
            return value is null
                ? (null, ErrorResults.Create(StatusCodes.Status400BadRequest, "The request body does not match the contract", "body: expected a JSON object, found null"))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, ErrorResults.FromJsonException(e));
        }
    }

    internal static ProblemHttpResult TooLarge(long? length, long limit) => ErrorResults.Create(
        StatusCodes.Status413PayloadTooLarge,
        "Request body too large",
        $"the body {(length is { } l ? $"is {l} bytes" : "exceeds the limit")}; this service accepts at most {limit} bytes (Attention:Limits:MaxRequestBodyBytes)");
}
