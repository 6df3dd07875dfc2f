using System.Net;
using System.Text;
using AttentionService.Api.Telemetry;

namespace AttentionService.Api.Tests;

/// <summary>Every answer carries <c>X-Request-Id</c> and a <c>traceresponse</c> of the request's trace; the request line logs both.</summary>
[Collection(nameof(SharedService))]
public class RequestIdTests(AttentionServiceFactory factory)
{
    private const string Seed = """{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}""";

    [Fact]
    public async Task Post_WithRequestIdAndTraceparent_EchoesTheIdAndContinuesTheTrace()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attention") { Content = TestData.Json(Seed) };
        request.Headers.Add("X-Request-Id", "client-42.a:b_c");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        using var response = await factory.CreateClient().SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("X-Request-Id").Single().ShouldBe("client-42.a:b_c");
        var traceresponse = response.Headers.GetValues("traceresponse").Single();
        traceresponse.ShouldMatch($"^00-{traceId}-[0-9a-f]{{16}}-01$");
        traceresponse.ShouldNotContain("00f067aa0ba902b7"); // the server's own span, child of the caller's

        var line = await RequestLineAsync(e => e.Properties.GetValueOrDefault("TraceId") == traceId);
        line.Properties["RequestId"].ShouldBe("client-42.a:b_c");
        line.Properties["SpanId"].ShouldBe(traceresponse.Split('-')[2]);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("{json}")]
    public async Task Post_WithAMalformedRequestId_GetsTheTraceIdInstead(string supplied)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attention") { Content = TestData.Json(Seed) };
        request.Headers.TryAddWithoutValidation("X-Request-Id", supplied).ShouldBeTrue();

        using var response = await factory.CreateClient().SendAsync(request);

        var id = response.Headers.GetValues("X-Request-Id").Single();
        id.ShouldMatch("^[0-9a-f]{32}$");
        response.Headers.GetValues("traceresponse").Single().ShouldStartWith($"00-{id}-");
    }

    [Fact]
    public void RequestIds_AreBoundedInLengthAndCharacters()
    {
        RequestTelemetryMiddleware.IsWellFormed(new string('a', 128)).ShouldBeTrue();
        RequestTelemetryMiddleware.IsWellFormed(new string('a', 129)).ShouldBeFalse();
        RequestTelemetryMiddleware.IsWellFormed("").ShouldBeFalse();
        RequestTelemetryMiddleware.IsWellFormed("0f8fad5b-d9cb-469f-a165-70867728950e").ShouldBeTrue();
        RequestTelemetryMiddleware.IsWellFormed("é").ShouldBeFalse();
    }

    [Theory]
    [InlineData("GET", "/health/live", null)]
    [InlineData("GET", "/health/ready", null)]
    [InlineData("GET", "/", null)]
    [InlineData("GET", "/swagger/v1/swagger.json", null)]
    [InlineData("GET", "/no/such/path", null)]
    [InlineData("POST", "/v1/attention", "text/plain")]
    [InlineData("POST", "/v1/attention", "application/json")]
    public async Task EveryAnswer_CarriesARequestIdAndATraceresponse(string method, string path, string? contentType)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (contentType is not null)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, contentType);
        }

        using var response = await factory.CreateClient().SendAsync(request);

        response.Headers.GetValues("X-Request-Id").Single().ShouldNotBeNullOrEmpty();
        response.Headers.GetValues("traceresponse").Single().ShouldMatch("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$");
    }

    private async Task<LogEntry> RequestLineAsync(Func<LogEntry, bool> match)
    {
        // The request line is written as the response completes; the client may see the answer a moment before.
        for (var i = 0; i < 100; i++)
        {
            if (factory.Entries.FirstOrDefault(e => e.Category == "Serilog.AspNetCore.RequestLoggingMiddleware" && match(e)) is { } entry)
            {
                return entry;
            }

            await Task.Delay(20);
        }

        throw new ShouldAssertException("no request line matched");
    }
}
