using System.Net;
using System.Text;
using AttentionService.Api.Telemetry;
using AttentionService.Api.Tests.V2;

namespace AttentionService.Api.Tests;

/// <summary><c>/metrics</c> after real requests: the service's own counters, histograms and gauges move by what was done.</summary>
[Collection(nameof(SharedService))]
public class MetricsTests(AttentionServiceFactory factory)
{
    private const string Seed = """{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}""";
    private const string Mismatched = """{"query":[[1,2,3]],"key":[[4,5],[6,7],[8,9]],"value":[[1,0],[0,1]]}""";
    private const string Self = """{"input":[[1,2,3],[4,5,6],[7,8,9]],"precision":"float64"}""";
    private static readonly (string, string) Attention = ("endpoint", "/v1/attention");
    private static readonly (string, string) SelfAttention = ("endpoint", "/v1/attention/self");

    [Fact]
    public async Task Metrics_AfterRequests_CountWhatWasComputedReadAndWritten()
    {
        var client = factory.CreateClient();
        var before = await MetricsScrape.ReadAsync(client);

        long written = 0;
        for (var i = 0; i < 3; i++)
        {
            using var ok = await client.PostAsync("/v1/attention", TestData.Json(Seed));
            ok.StatusCode.ShouldBe(HttpStatusCode.OK);
            written += (await ok.Content.ReadAsByteArrayAsync()).Length;
        }

        using (var self = await client.PostAsync("/v1/attention/self", TestData.Json(Self)))
        {
            self.StatusCode.ShouldBe(HttpStatusCode.OK);
            written += (await self.Content.ReadAsByteArrayAsync()).Length;
        }

        using (var refused = await client.PostAsync("/v1/attention", TestData.Json(Mismatched)))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        }

        using (var wrongType = await client.PostAsync("/v1/attention", new StringContent(Seed, Encoding.UTF8, "text/plain")))
        {
            wrongType.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        }

        var after = await MetricsScrape.ReadAsync(client);
        double Delta(string name, params (string, string)[] labels) => after[name, labels] - before[name, labels];

        Delta("attention_requests_total", Attention, ("status", "200")).ShouldBe(3);
        Delta("attention_requests_total", SelfAttention, ("status", "200")).ShouldBe(1);
        Delta("attention_requests_total", Attention, ("status", "422")).ShouldBe(1);
        Delta("attention_refusals_total", ("reason", "not_computable"), ("status", "422")).ShouldBe(1);
        Delta("attention_refusals_total", ("reason", "unsupported_media_type"), ("status", "415")).ShouldBe(1);

        // B·H·n·m = 1·1·1·2 per seed request and 3·3 for the self-attention; FLOPs 2·scores·(d + dv).
        Delta("attention_scores_total", Attention).ShouldBe(3 * 2);
        Delta("attention_scores_total", SelfAttention).ShouldBe(9);
        Delta("attention_flops_total", Attention).ShouldBe(3 * 2 * 2 * (3 + 2));
        Delta("attention_flops_total", SelfAttention).ShouldBe(2 * 9 * (3 + 3));

        Delta("attention_compute_duration_seconds_count", Attention, ("precision", "float32")).ShouldBe(3);
        Delta("attention_compute_duration_seconds_count", SelfAttention, ("precision", "float64")).ShouldBe(1);
        Delta("attention_compute_duration_seconds_sum", Attention, ("precision", "float32")).ShouldBeInRange(1e-7, 5);

        // Every request that read its body waited for a slot, the 422 included (it is parsed holding one).
        Delta("attention_queue_wait_seconds_count").ShouldBe(5);
        Delta("attention_request_body_bytes_total").ShouldBe((3 * Encoding.UTF8.GetByteCount(Seed)) + Encoding.UTF8.GetByteCount(Self) + Encoding.UTF8.GetByteCount(Mismatched));
        Delta("attention_response_body_bytes_total").ShouldBe(written);

        after["attention_queue_depth"].ShouldBe(0);
        after["attention_computations_running"].ShouldBe(0);
        after["attention_computations_limit"].ShouldBe(Environment.ProcessorCount);
        after["attention_queue_limit"].ShouldBe(32);
        after["attention_log_dropped_total"].ShouldBe(0);
        after.Has("attention_log_queued").ShouldBeTrue();

        // ASP.NET Core's and the runtime's own metrics come along.
        after.Has("http_server_request_duration_seconds_bucket").ShouldBeTrue(after.Text);
        after.Has("dotnet_gc_heap_total_allocated_bytes_total").ShouldBeTrue(after.Text);
    }

    [Fact]
    public async Task Metrics_ProbesAndScrapesAreCountedByEndpoint_ButAreNotRefusals()
    {
        var client = factory.CreateClient();
        var before = await MetricsScrape.ReadAsync(client);

        using (var live = await client.GetAsync("/health/live"))
        {
            live.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var after = await MetricsScrape.ReadAsync(client);
        (after["attention_requests_total", ("endpoint", "/health/live"), ("status", "200")] - before["attention_requests_total", ("endpoint", "/health/live"), ("status", "200")]).ShouldBe(1);
        after.Text.Split('\n').ShouldNotContain(l => l.StartsWith("http_server_request_duration", StringComparison.Ordinal) && l.Contains("http_route=\"/metrics\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(400, null, "bad_request")]
    [InlineData(413, null, "body_too_large")]
    [InlineData(429, null, "rate_limited")]
    [InlineData(503, null, "busy")]
    [InlineData(503, "shutting_down", "shutting_down")]
    [InlineData(504, null, "deadline")]
    [InlineData(200, null, null)]
    [InlineData(500, null, null)]
    public void RefusalReason_IsNamedByTheHandler_OrByTheStatus(int status, string? named, string? reason) =>
        AttentionTelemetry.RefusalReason(status, named).ShouldBe(reason);

    [Fact]
    public async Task Metrics_V2Inference_CountsItsAnswerBytes_BinaryOutputsIncluded()
    {
        var client = factory.CreateClient();
        var before = await MetricsScrape.ReadAsync(client);
        Tensor[] inputs =
        [
            Tensor.Fp32("query", [1, 3], [1, 2, 3]),
            Tensor.Fp32("key", [2, 3], [4, 6, 8, 5, 7, 9]),
            Tensor.Fp32("value", [2, 2], [1, 0, 0, 1]),
        ];

        using var response = await client.PostAsync("/v2/models/attention/infer", V2Client.Request(inputs, outputs: [("weights", true), ("output", false)]));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var written = (await response.Content.ReadAsByteArrayAsync()).Length;
        var after = await MetricsScrape.ReadAsync(client);
        (after["attention_response_body_bytes_total"] - before["attention_response_body_bytes_total"]).ShouldBe(written);
        written.ShouldBeGreaterThan(2 * sizeof(float)); // the JSON header and the binary weights
    }
}

/// <summary><c>Attention:Telemetry:Prometheus=false</c>: <c>/metrics</c> is gone, the rest answers.</summary>
public class MetricsSwitchedOffTests : IClassFixture<MetricsSwitchedOffTests.Factory>
{
    private readonly Factory _factory;

    public MetricsSwitchedOffTests(Factory factory) => _factory = factory;

    [Fact]
    public async Task Metrics_SwitchedOff_Is404_AndTheServiceStillAnswers()
    {
        var client = _factory.CreateClient();

        using var metrics = await client.GetAsync("/metrics");
        metrics.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var live = await client.GetAsync("/health/live");
        live.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public sealed class Factory : AttentionServiceFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Attention:Telemetry:Prometheus", "false")];
    }
}
