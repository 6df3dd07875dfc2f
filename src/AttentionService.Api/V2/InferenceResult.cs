using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using AttentionService.Api.Compute;
using AttentionService.Api.Wire;
using AttentionService.Engine;

namespace AttentionService.Api.V2;

/// <summary>
/// A 200 inference response written from the engine's result buffers. JSON outputs are written as flat lists of
/// numbers; binary outputs follow the JSON as raw little-endian bytes, in the order of <c>outputs</c>, each with its
/// <c>binary_data_size</c>, the body then being <c>application/octet-stream</c> with the JSON's length in
/// <c>Inference-Header-Content-Length</c>. A response with binary outputs has its JSON formatted in full first (its
/// length goes in a header); an all-JSON one streams in chunks past <see cref="AttentionJsonResult.BufferedBytes"/>.
/// </summary>
internal sealed class InferenceResult<T>(ModelRequest request, AttentionResult<T> result, RequestTimings timings, IDisposable slot) : IResult
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int Chunk = 64 * 1024;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var ct = httpContext.RequestAborted;
        var started = Stopwatch.GetTimestamp();
        var outputs = request.Outputs.Select(o => (o.Name, o.Binary, Tensor: o.Name == Outputs.Output ? result.Output : result.Weights!)).ToArray();
        var binary = outputs.Any(o => o.Binary);
        var streaming = false;
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
                    Start(response, "application/json", timings.HeaderValue(write: null));
                }

                await response.Body.WriteAsync(buffer.WrittenMemory, ct);
                buffer.Clear();
            }

            writer.WriteStartObject();
            writer.WriteString("model_name", request.Model.Name);
            writer.WriteString("model_version", "1");
            if (request.Request.Id is { } id)
            {
                writer.WriteString("id", id);
            }

            writer.WriteStartObject("parameters");
            writer.WriteString("scoring", ScoringInfo.NameOf(result.Scoring));
            writer.WriteNumber("scale", result.Scale);
            writer.WriteEndObject();
            writer.WriteStartArray("outputs");
            foreach (var (name, isBinary, tensor) in outputs)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("datatype", Datatypes.Of(request.Precision));
                writer.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                if (isBinary)
                {
                    writer.WriteStartObject("parameters");
                    writer.WriteNumber("binary_data_size", (long)tensor.Length * Unsafe.SizeOf<T>());
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WriteStartArray("data");
                    for (var offset = 0; offset < tensor.Length; offset += 4096)
                    {
                        WriteNumbers(writer, tensor.Span.Slice(offset, Math.Min(4096, tensor.Length - offset)));
                        if (!binary && buffer.WrittenCount + writer.BytesPending > (streaming ? Chunk : AttentionJsonResult.BufferedBytes))
                        {
                            await Flush();
                        }
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            await writer.FlushAsync(ct);
            var binaryBytes = outputs.Where(o => o.Binary).Sum(o => (long)o.Tensor.Length * Unsafe.SizeOf<T>());
            if (streaming)
            {
                await response.Body.WriteAsync(buffer.WrittenMemory, ct);
            }
            else
            {
                Start(response, binary ? "application/octet-stream" : "application/json", timings.HeaderValue(Stopwatch.GetElapsedTime(started)));
                response.ContentLength = buffer.WrittenCount + binaryBytes;
                if (binary)
                {
                    response.Headers[InferenceBody.HeaderLength] = buffer.WrittenCount.ToString(CultureInfo.InvariantCulture);
                }

                await response.Body.WriteAsync(buffer.WrittenMemory, ct);
                foreach (var (_, _, tensor) in outputs.Where(o => o.Binary))
                {
                    await WriteBytesAsync(response, tensor, ct);
                }
            }

            httpContext.RequestServices.GetRequiredService<Telemetry.AttentionTelemetry>().Written(started, Stopwatch.GetElapsedTime(started), writer.BytesCommitted + binaryBytes);
        }
        finally
        {
            result.Dispose();
            slot.Dispose();
        }
    }

    /// <summary>The tensor's memory as it is (little-endian IEEE 754 on every platform .NET runs this service on), in chunks.</summary>
    private static async Task WriteBytesAsync(HttpResponse response, TensorData<T> tensor, CancellationToken ct)
    {
        var length = (long)tensor.Length * Unsafe.SizeOf<T>();
        for (long offset = 0; offset < length; offset += Chunk)
        {
            var count = (int)Math.Min(Chunk, length - offset);
            response.BodyWriter.Write(MemoryMarshal.AsBytes(tensor.Span).Slice((int)offset, count));
            await response.BodyWriter.FlushAsync(ct);
        }
    }

    private static void WriteNumbers(Utf8JsonWriter writer, ReadOnlySpan<T> values)
    {
        if (typeof(T) == typeof(float))
        {
            foreach (var x in MemoryMarshal.Cast<T, float>(values))
            {
                writer.WriteNumberValue(x);
            }
        }
        else
        {
            foreach (var x in MemoryMarshal.Cast<T, double>(values))
            {
                writer.WriteNumberValue(x);
            }
        }
    }

    private static void Start(HttpResponse response, string contentType, string serverTiming)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.Headers["Server-Timing"] = serverTiming;
    }
}
