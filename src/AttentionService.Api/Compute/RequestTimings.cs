using System.Globalization;

namespace AttentionService.Api.Compute;

/// <summary>Durations of a request's phases, for the <c>Server-Timing</c> header.</summary>
internal sealed class RequestTimings
{
    /// <summary>Reading the body.</summary>
    public TimeSpan Reading { get; init; }

    /// <summary>Parsing the body and mapping it to a problem.</summary>
    public TimeSpan Parse { get; set; }

    /// <summary>Waiting for a computation slot.</summary>
    public TimeSpan Queue { get; set; }

    /// <summary>Validating and computing the problem.</summary>
    public TimeSpan Compute { get; set; }

    /// <summary>The <c>Server-Timing</c> value, formatted straight into one string; <c>parse</c> covers reading the body too.</summary>
    public string HeaderValue(TimeSpan? write)
    {
        var (parse, queue, compute) = ((Reading + Parse).TotalMilliseconds, Queue.TotalMilliseconds, Compute.TotalMilliseconds);
        return write is { } w
            ? string.Create(CultureInfo.InvariantCulture, stackalloc char[128], $"parse;dur={parse:0.###}, queue;dur={queue:0.###}, compute;dur={compute:0.###}, write;dur={w.TotalMilliseconds:0.###}")
            : string.Create(CultureInfo.InvariantCulture, stackalloc char[128], $"parse;dur={parse:0.###}, queue;dur={queue:0.###}, compute;dur={compute:0.###}");
    }

    public static string Entry(string name, TimeSpan duration) =>
        string.Create(CultureInfo.InvariantCulture, stackalloc char[64], $"{name};dur={duration.TotalMilliseconds:0.###}");
}
