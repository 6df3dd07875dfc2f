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

    /// <summary>The <c>Server-Timing</c> value; <c>parse</c> covers reading the body too.</summary>
    public string HeaderValue(TimeSpan? write) =>
        string.Join(", ", new[] { Entry("parse", Reading + Parse), Entry("queue", Queue), Entry("compute", Compute), write is { } w ? Entry("write", w) : null }.OfType<string>());

    public static string Entry(string name, TimeSpan duration) =>
        $"{name};dur={duration.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}";
}
