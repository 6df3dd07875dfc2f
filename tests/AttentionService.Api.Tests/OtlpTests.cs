using System.Net;

namespace AttentionService.Api.Tests;

/// <summary>
/// With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, a request's spans and the service's metrics reach a collector over
/// OTLP/HTTP protobuf: the stand-in decodes them and checks names, parentage, attributes and values.
/// </summary>
public class OtlpTests(OtlpTests.Factory factory) : IClassFixture<OtlpTests.Factory>
{
    private static readonly TimeSpan ExportWait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Request_ExportsItsSpans_AndTheMetrics_OverOtlp()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var parentId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..8]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attention")
        {
            Content = TestData.Json("""{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}"""),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-01");
        using var response = await factory.CreateClient().SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);

        var traceBytes = Convert.FromHexString(traceId);
        List<Span> Ours() => factory.Collector.Exports.Where(e => e.Path == "/v1/traces").SelectMany(e => Spans(e.Body)).Where(s => s.TraceId.SequenceEqual(traceBytes)).ToList();

        // The server span ends after the answer is written, so it may come in a later batch than its children: wait
        // (bounded) until every span of the trace has arrived.
        await Polling.UntilAsync(() => Ours().Count >= 6 && Ours().Any(s => s.Kind == 2), ExportWait, $"the six spans of trace {traceId}");
        var ours = Ours();
        var server = ours.Single(s => s.Kind == 2);
        Convert.ToHexStringLower(server.ParentId).ShouldBe(parentId);
        ours.Select(s => s.Name).ShouldBe(["attention.read", "attention.queue", "attention.parse", "attention.compute", "attention.write", server.Name], ignoreOrder: true);
        ours.Where(s => s != server).ShouldAllBe(s => s.ParentId.SequenceEqual(server.SpanId));

        var compute = ours.Single(s => s.Name == "attention.compute");
        compute.Attributes["attention.scoring"].ShouldBe("scaled_dot");
        compute.Attributes["attention.precision"].ShouldBe("float32");
        compute.Attributes["attention.scores"].ShouldBe("2");
        compute.Attributes["attention.flops"].ShouldBe("20");
        compute.Attributes["attention.shapes"].ShouldBe("query [1, 3], key [2, 3], value [2, 2]");
        compute.Attributes["attention.kernel_path"].ShouldNotBeNullOrEmpty();
        var parse = ours.Single(s => s.Name == "attention.parse");
        compute.Start.ShouldBeGreaterThanOrEqualTo(parse.Start);
        compute.End.ShouldBeGreaterThanOrEqualTo(compute.Start);

        // The answer names the same trace and the server span as its parent-to-be.
        response.Headers.GetValues("traceresponse").Single().ShouldBe($"00-{traceId}-{Convert.ToHexStringLower(server.SpanId)}-01");

        // Metrics are cumulative: this host computed exactly this one request. The three instruments are recorded one
        // after another, so an export may fall between them: wait for one that has all three.
        var metrics = await factory.Collector.WaitForAsync(
            "/v1/metrics", body => SumOf(body, "attention.scores") == 2 && SumOf(body, "attention.flops") > 0 && HistogramCount(body, "attention.compute.duration") > 0, ExportWait);
        metrics.ShouldNotBeNull("no metrics export had attention.scores = 2 with the flops and the compute duration");
        SumOf(metrics, "attention.flops").ShouldBe(20);
        HistogramCount(metrics, "attention.compute.duration").ShouldBe(1UL);
    }

    private sealed record Span(byte[] TraceId, byte[] SpanId, byte[] ParentId, string Name, int Kind, ulong Start, ulong End, Dictionary<string, string> Attributes);

    private static IEnumerable<Span> Spans(byte[] export) =>
        Protobuf.At(export, 1, 2, 2).Select(span =>
        {
            var fields = ProtoField.Read(span).ToList();
            byte[] Bytes(int n) => fields.FirstOrDefault(f => f.Number == n).Bytes.ToArray();
            return new Span(Bytes(1), Bytes(2), Bytes(4), fields.First(f => f.Number == 5).Text, (int)fields.FirstOrDefault(f => f.Number == 6).Varint,
                fields.FirstOrDefault(f => f.Number == 7).Varint, fields.FirstOrDefault(f => f.Number == 8).Varint, Protobuf.Attributes(span, 9));
        });

    private static IEnumerable<ReadOnlyMemory<byte>> Metric(byte[] export, string name) =>
        Protobuf.At(export, 1, 2, 2).Where(m => ProtoField.Read(m).Any(f => f.Number == 1 && f.Text == name));

    /// <summary>The sum of a Sum metric's integer data points (NumberDataPoint.as_int, field 6).</summary>
    private static long SumOf(byte[] export, string name) =>
        Metric(export, name).SelectMany(m => Protobuf.At(m, 7, 1)).SelectMany(ProtoField.Read).Where(f => f.Number == 6).Sum(f => (long)f.Varint);

    /// <summary>The count of a Histogram metric's data points (HistogramDataPoint.count, field 4).</summary>
    private static ulong HistogramCount(byte[] export, string name) =>
        Metric(export, name).SelectMany(m => Protobuf.At(m, 9, 1)).SelectMany(ProtoField.Read).Where(f => f.Number == 4).Aggregate(0UL, (a, f) => a + f.Varint);

    public sealed class Factory : AttentionServiceFactory
    {
        public OtlpCollector Collector { get; } = new();

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("OTEL_EXPORTER_OTLP_ENDPOINT", Collector.Endpoint.ToString().TrimEnd('/')),
            new("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            new("OTEL_METRIC_EXPORT_INTERVAL", "300"),
            new("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ];

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                Collector.Dispose();
            }
        }
    }
}
