using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using AttentionService.Api.Compute;
using AttentionService.Api.Errors;
using AttentionService.Api.Wire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace AttentionService.Api.V2;

/// <summary>
/// An inference request's body, read before the request takes a compute slot (I/O only, within the body limit).
/// Plain JSON is kept as bytes and parsed once the request has a slot. With the binary tensor extension the JSON
/// header (<c>Inference-Header-Content-Length</c> bytes) is parsed first, to learn where each binary input lies; each
/// one is then read from the body straight into its own pooled tensor, and the body must end right after the last.
/// </summary>
internal sealed class InferenceBody : IDisposable
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    private InferenceBody(PooledBufferWriter json) => Json = json;

    /// <summary>The JSON (the whole body, or the header of a binary one).</summary>
    public PooledBufferWriter Json { get; }

    /// <summary>The request, once parsed: at read time for a binary body, else by <see cref="Parse"/>.</summary>
    public InferenceRequest? Request { get; private set; }

    public void Dispose()
    {
        Request?.Dispose();
        Json.Dispose();
    }

    /// <summary>The request, parsed now if it was not yet (400 for JSON that does not fit the contract).</summary>
    public (InferenceRequest? Request, ProblemHttpResult? Problem) Parse()
    {
        if (Request is null)
        {
            var (request, problem) = RequestBody.Parse(Json.WrittenSpan, V2JsonContext.Default.InferenceRequest);
            Request = request;
            var hole = request is null ? -1 : request.Inputs.IndexOf(null!);
            if (hole >= 0 || request?.Outputs?.IndexOf(null!) is >= 0)
            {
                return (null, hole >= 0 ? V2Errors.BadRequest($"inputs[{hole}]", "is null; expected an input tensor") : V2Errors.BadRequest("outputs", "holds null; expected outputs named output or weights"));
            }

            return (request, problem);
        }

        return (Request, null);
    }

    public static async Task<(InferenceBody? Body, ProblemHttpResult? Problem)> ReadAsync(HttpContext context, long limit, Admission.Ticket? ticket = null)
    {
        var request = context.Request;
        if (!IsAccepted(request.ContentType))
        {
            return (null, ErrorResults.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"send the body as application/json, or as application/octet-stream with {HeaderLength} (binary tensor extension); it was {request.ContentType}"));
        }

        long? headerLength = null;
        if (request.Headers.TryGetValue(HeaderLength, out var value))
        {
            if (!long.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return (null, V2Errors.BadRequest(HeaderLength, $"must be a byte count; it is '{value}'"));
            }

            if (parsed == 0)
            {
                return (null, V2Errors.BadRequest(HeaderLength, "is 0 (a raw binary request without a JSON header), which these models cannot take: they have several inputs of variable shape; send the JSON header first"));
            }

            headerLength = parsed;
        }

        if (request.ContentLength > limit || headerLength > limit)
        {
            return (null, RequestBody.TooLarge(Math.Max(request.ContentLength ?? 0, headerLength ?? 0), limit));
        }

        // The JSON buffer grows with the bytes received, never sized from a claimed length.
        var body = new InferenceBody(new PooledBufferWriter((int)Math.Clamp(headerLength ?? 16 * 1024, 256, 16 * 1024)));
        try
        {
            var problem = headerLength is { } length ? await body.ReadBinaryAsync(context, (int)length, limit, ticket) : await body.ReadJsonAsync(context, limit);
            if (problem is not null)
            {
                body.Dispose();
                return (null, problem);
            }

            return (body, null);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's or the decompression's limit (413), or a client that stopped sending mid-body (400): never a 500.
            body.Dispose();
            return (null, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? RequestBody.TooLarge(null, limit)
                : ErrorResults.Create(e.StatusCode, "The request body could not be read", e.Message));
        }
        catch (InvalidDataException e)
        {
            body.Dispose();
            return (null, ErrorResults.Create(StatusCodes.Status400BadRequest, "The request body could not be read", $"the body is not valid {request.Headers.ContentEncoding}: {e.Message}"));
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    private static bool IsAccepted(string? contentType) =>
        string.IsNullOrEmpty(contentType)
        || (MediaTypeHeaderValue.TryParse(contentType, out var media)
            && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || media.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)));

    private async Task<ProblemHttpResult?> ReadJsonAsync(HttpContext context, long limit)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            if (Json.WrittenCount + result.Buffer.Length > limit)
            {
                reader.AdvanceTo(result.Buffer.End);
                return RequestBody.TooLarge(null, limit);
            }

            foreach (var segment in result.Buffer)
            {
                segment.Span.CopyTo(Json.GetSpan(segment.Length));
                Json.Advance(segment.Length);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    private async Task<ProblemHttpResult?> ReadBinaryAsync(HttpContext context, int headerLength, long limit, Admission.Ticket? ticket)
    {
        var reader = context.Request.BodyReader;
        var ct = context.RequestAborted;
        var read = await ReadExactlyAsync(reader, headerLength, (source, offset) =>
        {
            source.CopyTo(Json.GetSpan((int)source.Length));
            Json.Advance((int)source.Length);
        }, ct);
        if (read < headerLength)
        {
            return V2Errors.BadRequest(HeaderLength, $"is {headerLength} but the body has only {read} bytes");
        }

        var (request, problem) = Parse();
        if (request is null)
        {
            return problem;
        }

        long total = headerLength;
        foreach (var input in request.Inputs)
        {
            if (input.Parameters?.TryGetValue("binary_data_size", out var size) != true)
            {
                continue;
            }

            if (!BinaryLayout.TryCheck(input, size, out var datatype, out var bytes, out var refusal))
            {
                return V2Errors.BadRequest(input.Name, refusal!);
            }

            total += bytes;
            if (total > limit)
            {
                return RequestBody.TooLarge(total, limit);
            }

            // A binary input's buffer is sized from its declared size before its bytes arrive: charge the memory budget
            // first, so claimed sizes cannot allocate more than the service may hold.
            if (ticket is not null && !ticket.TryCharge(bytes))
            {
                return ticket.CouldEverCharge(bytes)
                    ? ComputeEndpoints.Busy(context, ticket, "the service's memory budget is in use by other requests")
                    : RequestBody.TooLargeForMemory(ticket);
            }

            var tensor = input.Binary = BinaryTensor.Rent(datatype, input.Shape);
            var got = await ReadExactlyAsync(reader, bytes, (source, offset) => source.CopyTo(tensor.Bytes[(int)offset..]), ct);
            if (got < bytes)
            {
                return V2Errors.BadRequest(input.Name, $"has binary_data_size {bytes} but the body ends {got} bytes into its data");
            }
        }

        var extra = await ReadExactlyAsync(reader, limit - total + 1, (_, _) => { }, ct);
        return extra > 0
            ? V2Errors.BadRequest("body", $"{(extra > limit - total ? "more than " + (limit - total) : extra)} bytes follow the binary data of the inputs (the binary_data_size of the inputs add up to {total - headerLength}, after a header of {headerLength} bytes)")
            : null;
    }

    /// <summary>Hands up to <paramref name="count"/> bytes of the body to <paramref name="copy"/> (with their offset); returns how many there were.</summary>
    private static async Task<long> ReadExactlyAsync(PipeReader reader, long count, Action<ReadOnlySequence<byte>, long> copy, CancellationToken ct)
    {
        long done = 0;
        while (done < count)
        {
            var result = await reader.ReadAsync(ct);
            var take = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, count - done));
            copy(take, done);
            done += take.Length;
            reader.AdvanceTo(take.End);
            if (result.IsCompleted && done < count)
            {
                break;
            }
        }

        return done;
    }
}
