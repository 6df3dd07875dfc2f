using System.Diagnostics;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AttentionService.Api.Wire;
using AttentionService.Engine;
using Microsoft.AspNetCore.Http.Metadata;

namespace AttentionService.Api.Compute;

/// <summary>
/// A 200 answer written from the engine's result buffers. Answers up to about <see cref="BufferedBytes"/> are formatted in
/// full first, so <c>Server-Timing</c> carries parse, compute and write durations and the body has a
/// Content-Length; larger answers are formatted straight into the response's pipe, flushed in chunks, and report the
/// write duration as a trailer where the protocol allows.
/// </summary>
internal abstract class AttentionJsonResult : IResult, IEndpointMetadataProvider
{
    public const int BufferedBytes = 1 << 20;

    /// <summary>
    /// Room kept below <see cref="BufferedBytes"/> for the step the writer takes next (a base64 segment of 64 KiB, a row),
    /// so the buffer never grows past the pooled size into a fresh large array.
    /// </summary>
    private const int SwitchMarginBytes = 128 * 1024;

    /// <summary>Bytes handed to the server per flush while streaming: each flush may wait for the socket to take them.</summary>
    private const int StreamedChunkBytes = 256 * 1024;

    public abstract Task ExecuteAsync(HttpContext httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(AttentionResponse), ["application/json"]));

    /// <summary>The answer; <paramref name="slot"/> (the request's intake place) is released once it is written.</summary>
    public static AttentionJsonResult Create<T>(AttentionResult<T> result, Precision precision, TensorEncoding encoding, RequestTimings timings, IDisposable slot)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => new Typed<T>(result, precision, encoding, timings, slot);

    private sealed class Typed<T>(AttentionResult<T> result, Precision precision, TensorEncoding encoding, RequestTimings timings, IDisposable slot) : AttentionJsonResult
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public override async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            var ct = httpContext.RequestAborted;
            var started = Stopwatch.GetTimestamp();
            if (encoding == TensorEncoding.Base64)
            {
                DenseAnswers.Mark(httpContext);
            }

            long flushed = 0;
            using var sink = new AnswerSink(InitialBytes(result, encoding));
            try
            {
                await using var writer = new Utf8JsonWriter(sink, new JsonWriterOptions { SkipValidation = true });
                async ValueTask Flush()
                {
                    writer.Flush();
                    if (!sink.Streaming)
                    {
                        StartResponse(response, timings.HeaderValue(write: null));
                        sink.StreamTo(response.BodyWriter);
                    }

                    flushed = writer.BytesCommitted;
                    await response.BodyWriter.FlushAsync(ct);
                }

                bool ShouldFlush() => writer.BytesCommitted + writer.BytesPending - flushed > (sink.Streaming ? StreamedChunkBytes : BufferedBytes - SwitchMarginBytes);
                await AttentionResponseWriter.WriteAsync(writer, result, precision, encoding, ShouldFlush, Flush);
                writer.Flush();
                var write = Stopwatch.GetElapsedTime(started);
                if (sink.Streaming)
                {
                    await response.BodyWriter.FlushAsync(ct);
                    if (response.SupportsTrailers())
                    {
                        response.AppendTrailer("Server-Timing", RequestTimings.Entry("write", write));
                    }
                }
                else
                {
                    StartResponse(response, timings.HeaderValue(write));
                    response.ContentLength = sink.BufferedCount;
                    await response.BodyWriter.WriteAsync(sink.Buffered, ct);
                }

                httpContext.RequestServices.GetRequiredService<Telemetry.AttentionTelemetry>().Written(started, Stopwatch.GetElapsedTime(started), writer.BytesCommitted);
            }
            finally
            {
                result.Dispose();
                slot.Dispose();
            }
        }

        /// <summary>The buffer's first size: the answer's size when it is known (base64 is 4/3 of the bytes), so it rarely grows.</summary>
        private static int InitialBytes(AttentionResult<T> result, TensorEncoding encoding)
        {
            var elements = result.Output.Length + (long)(result.Weights?.Length ?? 0);
            var estimate = encoding == TensorEncoding.Base64 ? (elements * Unsafe.SizeOf<T>() * 4 / 3) + 1024 : elements * 8;
            return (int)Math.Clamp(estimate, 16 * 1024, BufferedBytes);
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
