using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AttentionService.Api.Errors;
using AttentionService.Api.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AttentionService.Api.Compute;

/// <summary>
/// The request body in two steps: read the bytes into a pooled buffer (I/O only, bounded by the body limit, the body
/// deadline and the memory budget; 413, 415, 408 or 503), then parse them with the source-generated contract (400)
/// once the request has a compute slot.
/// </summary>
internal static class RequestBody
{
    /// <summary>The buffer a body starts in, whatever its <c>Content-Length</c> claims; it grows with the bytes received.</summary>
    public const int InitialBytes = 16 * 1024;

    public static async Task<(PooledBufferWriter? Body, ProblemHttpResult? Problem)> ReadAsync(
        HttpContext context, long limit, Admission.Ticket? ticket = null, TimeSpan? deadline = null)
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

        // Charged before it exists, like every later growth: a claim costs nothing until the bytes arrive.
        if (ticket?.TryCharge(InitialBytes) == false)
        {
            return (null, ComputeEndpoints.Busy(context, ticket, "the service's memory budget is in use by other requests"));
        }

        var charged = ticket is null ? 0L : InitialBytes;
        var body = new PooledBufferWriter(InitialBytes);
        (PooledBufferWriter?, ProblemHttpResult?) Refuse(ProblemHttpResult? problem)
        {
            body.Dispose();
            ticket?.Release(charged);
            charged = 0;
            return (null, problem);
        }

        // The deadline stops the pending read rather than cancelling it, so the reader stays usable and Kestrel can
        // finish the connection cleanly after the 408. It is set up only when the body has to be waited for: a small
        // body has usually arrived with the headers, and a timer per request would cost more than reading it.
        var reader = request.BodyReader;
        CancellationTokenSource? timeout = null;
        CancellationTokenRegistration stopRead = default;
        void StartDeadline()
        {
            if (timeout is null)
            {
                timeout = new CancellationTokenSource(deadline ?? Timeout.InfiniteTimeSpan);
                stopRead = timeout.Token.Register(reader.CancelPendingRead);
            }
        }

        try
        {
            while (true)
            {
                if (!reader.TryRead(out var result))
                {
                    StartDeadline();
                    result = await reader.ReadAsync(context.RequestAborted);
                }

                if (result.IsCanceled && timeout?.IsCancellationRequested == true)
                {
                    reader.AdvanceTo(result.Buffer.Start);
                    context.Response.Headers.Connection = "close";
                    return Refuse(ErrorResults.Create(
                        StatusCodes.Status408RequestTimeout,
                        "The request body arrived too slowly",
                        $"the body did not arrive within {deadline!.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (Attention:Engine:BodyTimeoutSeconds); {body.WrittenCount} bytes had arrived"));
                }

                foreach (var segment in result.Buffer)
                {
                    var needed = (long)body.WrittenCount + segment.Length;
                    if (needed > limit)
                    {
                        reader.AdvanceTo(result.Buffer.End);
                        return Refuse(TooLarge(null, limit));
                    }

                    if (needed > body.Capacity)
                    {
                        // Doubling keeps the copies linear, and the claimed length, once the bytes near it, spares the
                        // last doubling's slack; while growing, the old and the new buffer both exist.
                        var grown = (int)Math.Min(Math.Min(limit, request.ContentLength ?? limit), Math.Max(needed, 2L * body.Capacity));
                        grown = (int)Math.Max(grown, needed);
                        if (ticket is not null && !ticket.TryCharge(grown))
                        {
                            reader.AdvanceTo(result.Buffer.End);
                            var refusal = Refuse(ticket.CouldEverCharge(grown)
                                ? ComputeEndpoints.Busy(context, ticket, "the service's memory budget is in use by other requests")
                                : TooLargeForMemory(ticket));

                            // Part of the body has been sent: take the rest without keeping it (the deadline and the
                            // minimum rate still apply), so the client reads the refusal instead of a reset connection.
                            StartDeadline();
                            while (!result.IsCompleted && !result.IsCanceled)
                            {
                                result = await reader.ReadAsync(context.RequestAborted);
                                reader.AdvanceTo(result.Buffer.End);
                            }

                            return refusal;
                        }

                        body.Reserve(grown);
                        ticket?.Release(charged);
                        charged = ticket is null ? 0 : grown;
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
            // Kestrel's own limit (413), or a client that stopped sending or sent too slowly (400, 408): the client's
            // fault, never a 500.
            return Refuse(e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(null, limit)
                : ErrorResults.Create(e.StatusCode, "The request body could not be read", e.Message));
        }
        catch
        {
            Refuse(null);
            throw;
        }
        finally
        {
            stopRead.Dispose();
            timeout?.Dispose();
        }
    }

    /// <summary>
    /// An upper bound of the bytes parsing <paramref name="json"/> allocates: at most one number per comma or opening
    /// bracket, 8 bytes each as double, in buffers that double as they grow (capacity up to twice the count, and the
    /// old buffer beside the new while growing), and never less than three times the body (for tensors the body
    /// carries more densely than as JSON numbers).
    /// </summary>
    public static long ParseBytes(ReadOnlySpan<byte> json)
    {
        long numbers = json.Count((byte)',') + json.Count((byte)'[') + 1;
        return Math.Max(24 * numbers, 3L * json.Length);
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

    public static ProblemHttpResult TooLargeForMemory(Admission.Ticket ticket) => ErrorResults.Create(
        StatusCodes.Status413PayloadTooLarge,
        "Request body too large for the memory budget",
        $"reading and parsing this body needs more memory than this service's whole budget of {ticket.Budget} bytes (Attention:Limits:MemoryBudgetBytes); send a smaller body");

    internal static ProblemHttpResult TooLarge(long? length, long limit) => ErrorResults.Create(
        StatusCodes.Status413PayloadTooLarge,
        "Request body too large",
        $"the body {(length is { } l ? $"is {l} bytes" : "exceeds the limit")}; this service accepts at most {limit} bytes (Attention:Limits:MaxRequestBodyBytes)");
}
