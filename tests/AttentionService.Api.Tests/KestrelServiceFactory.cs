using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Hosting;

namespace AttentionService.Api.Tests;

/// <summary>
/// The service on real Kestrel, bound to a free loopback port, for what only a real server enforces (body limits,
/// slow clients, disconnects, shutdown). Computations use the scalar kernels on one thread so a request of known
/// size takes a predictable, slow-enough time.
/// </summary>
public class KestrelServiceFactory : AttentionServiceFactory
{
    private readonly KeyValuePair<string, string?>[] _settings;

    public KestrelServiceFactory(params KeyValuePair<string, string?>[] settings)
    {
        _settings = settings;
        UseKestrel(0);
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Attention:Engine:KernelPath", "Scalar"),
        new("Attention:Engine:MaxDegreeOfParallelism", "1"),
        new("urls", "http://127.0.0.1:0"),
        .. _settings,
    ];

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            return ClientOptions.BaseAddress;
        }
    }

    public HttpClient CreateKestrelClient(TimeSpan? timeout = null)
    {
        StartServer();
        return new HttpClient { BaseAddress = ClientOptions.BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseUrls("http://127.0.0.1:0");
    }

    public static KeyValuePair<string, string?> Setting(string key, object value) =>
        new(key, Convert.ToString(value, CultureInfo.InvariantCulture));

    /// <summary>A scaled-dot problem of n queries and keys of d numbers, without weights: on the scalar path, once compiled, about 0.015 s per million n·m at d = 8 (here).</summary>
    public static StringContent SlowProblem(int n, int d = 8)
    {
        var rng = new Random(n);
        var json = new StringBuilder("{\"returnWeights\":false");
        foreach (var field in new[] { "query", "key", "value" })
        {
            json.Append(",\"").Append(field).Append("\":[");
            for (var i = 0; i < n; i++)
            {
                json.Append(i == 0 ? "[" : ",[");
                for (var x = 0; x < d; x++)
                {
                    json.Append(x == 0 ? "" : ",").Append(((rng.NextDouble() * 2) - 1).ToString("0.###", CultureInfo.InvariantCulture));
                }

                json.Append(']');
            }

            json.Append(']');
        }

        return TestData.Json(json.Append('}').ToString());
    }
}
