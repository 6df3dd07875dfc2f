using System.Diagnostics;
using System.Numerics;
using System.Reflection;
using System.Text.Json;
using AttentionService.Api.Wire;
using AttentionService.Engine;
using Microsoft.AspNetCore.Http.Metadata;

namespace AttentionService.Api.Compute;

/// <summary>
/// A 200 answer written from the engine's result buffers. Answers up to <see cref="BufferedBytes"/> are formatted in
/// full first, so <c>Server-Timing</c> carries parse, compute and write durations and the body has a
/// Content-Length; larger answers stream in chunks and report the write duration as a trailer where the protocol allows.
/// </summary>
internal abstract class AttentionJsonResult : IResult, IEndpointMetadataProvider
{
    public const int BufferedBytes = 1 << 20;

    public abstract Task ExecuteAsync(HttpContext httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(AttentionResponse), ["application/json"]));

    /// <summary>The answer; <paramref name="slot"/> (the request's intake place) is released once it is written.</summary>
    public static AttentionJsonResult Create<T>(AttentionResult<T> result, Precision precision, RequestTimings timings, IDisposable slot)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => new Typed<T>(result, precision, timings, slot);

    private sealed class Typed<T>(AttentionResult<T> result, Precision precision, RequestTimings timings, IDisposable slot) : AttentionJsonResult
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public override async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            var ct = httpContext.RequestAborted;
            var started = Stopwatch.GetTimestamp();
            var streaming = false;
            long written = 0;
            using var buffer = new PooledBufferWriter(16 * 1024);
            try
            {
                await using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
                async ValueTask Flush()
                {
                    await writer.FlushAsync(ct);
                    if (!streaming)
                    {
                        streaming = true;
                        StartResponse(response, timings.HeaderValue(write: null));
                    }

                    await response.Body.WriteAsync(buffer.WrittenMemory, ct);
                    written += buffer.WrittenCount;
                    buffer.Clear();
                }

                bool ShouldFlush() => buffer.WrittenCount + writer.BytesPending > (streaming ? 64 * 1024 : BufferedBytes);
                await AttentionResponseWriter.WriteAsync(writer, result, precision, ShouldFlush, Flush);
                await writer.FlushAsync(ct);
                var write = Stopwatch.GetElapsedTime(started);
                written += buffer.WrittenCount;
                if (streaming)
                {
                    await response.Body.WriteAsync(buffer.WrittenMemory, ct);
                    if (response.SupportsTrailers())
                    {
                        response.AppendTrailer("Server-Timing", RequestTimings.Entry("write", write));
                    }
                }
                else
                {
                    StartResponse(response, timings.HeaderValue(write));
                    response.ContentLength = buffer.WrittenCount;
                    await response.Body.WriteAsync(buffer.WrittenMemory, ct);
                }

                httpContext.RequestServices.GetRequiredService<Telemetry.AttentionTelemetry>().Written(started, Stopwatch.GetElapsedTime(started), written);
            }
            finally
            {
                result.Dispose();
                slot.Dispose();
            }
        }

        private static void StartResponse(HttpResponse response, string serverTiming)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            response.Headers["Server-Timing"] = serverTiming;
            if (response.SupportsTrailers())
            {
                response.DeclareTrailer("Server-Timing");
            }
        }
    }
}
