using System.Diagnostics;

namespace AttentionService.Benchmarks;

/// <summary>One implementation under test: what it is and one run of it.</summary>
internal sealed record Candidate(string Impl, string? Operator, Action Run, IDisposable? Owner = null)
{
    /// <summary>The largest difference of its output from the engine's, computed after timing.</summary>
    public Func<double>? Difference { get; init; }
}

/// <summary>
/// A median wall time, the median processor time of the whole process (every thread; under load from other processes
/// it counts only the time this process ran, so it is the steadier figure on a shared machine), and the bytes one run
/// allocated.
/// </summary>
internal readonly record struct Timing(double MedianMs, double MedianCpuMs, long AllocatedBytes);

/// <summary>
/// Implementations timed side by side: each is warmed, then sized so one sample lasts about 20 ms, and the samples of
/// all of them interleave, so a burst of load from elsewhere on the machine falls on each alike.
/// </summary>
internal sealed class Candidates : List<Candidate>, IDisposable
{
    public IEnumerable<(Candidate Candidate, Timing Timing)> Measure(int runs)
    {
        var perSample = this.Select(Calibrate).ToArray();
        var times = this.Select(_ => new double[runs]).ToArray();
        var cpu = this.Select(_ => new double[runs]).ToArray();
        var allocated = this.Select(_ => new long[runs]).ToArray();
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < runs; r++)
        {
            for (var c = 0; c < Count; c++)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                for (var i = 0; i < perSample[c]; i++)
                {
                    this[c].Run();
                }

                times[c][r] = sw.Elapsed.TotalMilliseconds / perSample[c];
                process.Refresh();
                cpu[c][r] = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / perSample[c];
                allocated[c][r] = (GC.GetTotalAllocatedBytes(precise: true) - before) / perSample[c];
            }
        }

        for (var c = 0; c < Count; c++)
        {
            Array.Sort(times[c]);
            Array.Sort(cpu[c]);
            Array.Sort(allocated[c]);
            yield return (this[c], new Timing(times[c][runs / 2], cpu[c][runs / 2], allocated[c][runs / 2]));
        }
    }

    public void Dispose()
    {
        foreach (var candidate in this)
        {
            candidate.Owner?.Dispose();
        }
    }

    private static int Calibrate(Candidate candidate)
    {
        candidate.Run();
        var warm = Stopwatch.StartNew();
        var runs = 0;
        while (warm.ElapsedMilliseconds < 200 || runs < 2)
        {
            candidate.Run();
            runs++;
        }

        return Math.Max(1, (int)Math.Ceiling(20.0 / Math.Max(warm.Elapsed.TotalMilliseconds / runs, 1e-3)));
    }
}
