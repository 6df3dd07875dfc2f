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
