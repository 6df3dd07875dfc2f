using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace AttentionService.Deployment.Tests;

/// <summary>Requests the tests send, and a bounded wait for what the processes log asynchronously.</summary>
internal static class Http
{
    /// <summary>The second article's corrected example (README, golden data): weights [0.030351084, 0.9696489].</summary>
    public const string SeedRequest = """{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}""";

    /// <summary>A W3C trace id: sent in traceparent, the service continues the trace and logs it, so a test finds its own request's log line.</summary>
    public static string NewTraceId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static HttpRequestMessage Get(Uri uri, string traceId, IEnumerable<(string Name, string Value)>? headers = null) =>
        WithHeaders(new HttpRequestMessage(HttpMethod.Get, uri), traceId, headers);

    public static HttpRequestMessage PostSeed(Uri uri, string traceId, IEnumerable<(string Name, string Value)>? headers = null) =>
        WithHeaders(new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(SeedRequest, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) }, traceId, headers);

    private static HttpRequestMessage WithHeaders(HttpRequestMessage request, string traceId, IEnumerable<(string Name, string Value)>? headers)
    {
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01");
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>Asserts an answer is the seed example's: 200 and weights [[0.030351084, 0.9696489]].</summary>
    public static async Task ShouldBeSeedAnswerAsync(HttpResponseMessage response, string context)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"{(int)response.StatusCode} {body}\n{context}");
        var weights = JsonNode.Parse(body)!["weights"]![0]!.AsArray();
        weights.Count.ShouldBe(2);
        weights[0]!.GetValue<double>().ShouldBe(0.030351084, 1e-6);
        weights[1]!.GetValue<double>().ShouldBe(0.9696489, 1e-6);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }
}
