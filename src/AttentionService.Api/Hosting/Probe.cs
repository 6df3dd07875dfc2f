namespace AttentionService.Api.Hosting;

/// <summary>
/// <c>AttentionService.Api --probe URL</c>: one HTTP GET, exit code 0 on a 2xx answer and 1 otherwise. Container health
/// checks run it because the chiseled runtime image has neither curl nor wget (nor a shell to run them).
/// </summary>
public static class Probe
{
    /// <summary>The first argument that selects the probe mode.</summary>
    public const string Switch = "--probe";

    /// <summary>
    /// A health check runs the probe every few seconds, and a hung replica must count as unhealthy rather than stall
    /// the checker; 3 s is well above a warm <c>/health/ready</c> and below Docker's and Kubernetes' check timeouts.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Runs the probe when <paramref name="args"/> asks for it, before anything of the web host is built (a probe must
    /// not bind the port or warm an engine). Returns <c>false</c> for every other command line.
    /// </summary>
    /// <param name="args">The command line.</param>
    /// <param name="exitCode">0 when the URL answered 2xx, 1 otherwise; meaningful only when the method returns <c>true</c>.</param>
    public static bool TryRun(string[] args, out int exitCode)
    {
        ArgumentNullException.ThrowIfNull(args);
        exitCode = 0;
        if (args.Length == 0 || args[0] != Switch)
        {
            return false;
        }

        exitCode = Run(args.Length == 2 ? args[1] : null, Console.Out, Console.Error);
        return true;
    }

    /// <summary>GETs <paramref name="url"/>; the status line goes to <paramref name="output"/>, failures to <paramref name="error"/>.</summary>
    public static int Run(string? url, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error.WriteLine($"usage: {Switch} http://127.0.0.1:8080/health/ready (got '{url}')");
            return 1;
        }

        try
        {
            using var client = new HttpClient { Timeout = Timeout };
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
            var healthy = response.IsSuccessStatusCode;
            (healthy ? output : error).WriteLine($"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            return healthy ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            // Refused connections, timeouts and bad addresses are all "not healthy"; the message tells which.
            error.WriteLine($"{uri} did not answer: {(e is TaskCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : e.Message)}");
            return 1;
        }
    }
}
