using System.Globalization;
using System.Text;
using AttentionService.Api.Logging;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit.Abstractions;

namespace AttentionService.Api.Tests;

/// <summary>
/// What a small request allocates end to end: counted, not timed, so the figure holds on a busy machine. The count is
/// process-wide, so the collection runs alone, after the parallel ones.
/// </summary>
[Collection(nameof(AllocationTests))]
[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public class AllocationTests(ITestOutputHelper output)
{
    /// <summary>
    /// Bytes allocated in the whole process per 4×4×8 request with weights, over sequential requests through the
    /// in-memory host with the default request log (the client's side of the in-memory transport is included). The
    /// bound is generous: it catches a per-request allocation that grows with the process or a buffer that stopped
    /// coming from a pool, not a few bytes.
    /// </summary>
    [Fact]
    public async Task Post_SmallRequest_AllocatesAFewKilobytes()
    {
        using var factory = new DefaultLoggingFactory();
        using var client = factory.CreateClient();
        var body = SmallBody();

        // The engine's warm-up runs in the background at start and allocates in the same process: wait until it is done.
        await Polling.UntilReadyAsync(client);
        for (var i = 0; i < 300; i++)
        {
            await PostAsync(client, body); // tiered JIT, pools and caches reach their steady state
        }

        // The least of three batches: a background allocation (a timer, a late tier-up) lands in one batch, not in all.
        const int Requests = 300;
        var perRequest = long.MaxValue;
        for (var batch = 0; batch < 3; batch++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < Requests; i++)
            {
                await PostAsync(client, body);
            }

            perRequest = Math.Min(perRequest, (GC.GetTotalAllocatedBytes(precise: true) - before) / Requests);
        }

        output.WriteLine($"allocatedBytes per 4x4x8 request (in-memory host, client included): {perRequest}");
        perRequest.ShouldBeLessThan(48 * 1024); // about 30 KB in all, much of it the in-memory transport's and the client's
    }

    private static async Task PostAsync(HttpClient client, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync("/v1/attention", content);
        response.EnsureSuccessStatusCode();
        await response.Content.CopyToAsync(Stream.Null);
    }

    /// <summary>Query, key and value of 4 × 8 with weights returned: about 900 bytes, as tests/load/small.sh sends.</summary>
    private static byte[] SmallBody()
    {
        var random = new Random(7);
        string Rows() => "[" + string.Join(",", Enumerable.Range(0, 4).Select(_ =>
            "[" + string.Join(",", Enumerable.Range(0, 8).Select(_ => Math.Round((random.NextDouble() * 2) - 1, 4).ToString(CultureInfo.InvariantCulture))) + "]")) + "]";
        return Encoding.UTF8.GetBytes($$"""{"query":{{Rows()}},"key":{{Rows()}},"value":{{Rows()}},"returnWeights":true}""");
    }

    /// <summary>
    /// The service as configured by default (request log on), without the tests' capturing logger. The request log is
    /// formatted and written as in production, to a stream that discards it rather than to the test run's console.
    /// </summary>
    private sealed class DefaultLoggingFactory : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder) => builder
            .UseEnvironment("Production")
            .ConfigureTestServices(services => services.AddSingleton(new LogOutput(Stream.Null)));
    }
}
