using AttentionService.Engine;

namespace AttentionService.Api.Tests;

/// <summary>Waits on conditions with a deadline instead of sleeping for a fixed time.</summary>
public static class Polling
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan deadline, string what)
    {
        var until = DateTime.UtcNow + deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"waited {deadline.TotalSeconds} s for {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits until the readiness probe at <paramref name="path"/> answers 200: the engine warms up in the background
    /// after start (and allocates and counts tiles meanwhile), longer on a loaded machine.
    /// </summary>
    public static async Task UntilReadyAsync(HttpClient client, string path = "/health/ready", double seconds = 30)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            using (var response = await client.GetAsync(path))
            {
                if (response.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    return;
                }
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"waited {seconds} s for {path} to answer 200");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the engine's tile counter has not moved for <paramref name="quiet"/>: computation has stopped.</summary>
    public static async Task<long> UntilTilesStopAsync(TimeSpan quiet, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        var last = EngineCounters.TilesComputed;
        var stableSince = DateTime.UtcNow;
        while (DateTime.UtcNow - stableSince < quiet)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"tiles were still being computed after {deadline.TotalSeconds} s");
            }

            await Task.Delay(20);
            var now = EngineCounters.TilesComputed;
            if (now != last)
            {
                last = now;
                stableSince = DateTime.UtcNow;
            }
        }

        return last;
    }
}
