using System.Globalization;
using System.Text.RegularExpressions;

namespace AttentionService.Api.Tests;

/// <summary>One read of <c>/metrics</c> (Prometheus text): each sample by its name and labels, the scope label left out.</summary>
public sealed partial class MetricsScrape
{
    private readonly Dictionary<string, double> _samples;

    private MetricsScrape(Dictionary<string, double> samples, string text)
    {
        _samples = samples;
        Text = text;
    }

    public string Text { get; }

    [GeneratedRegex("^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?<labels>.*)\\})? (?<value>\\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex("(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<value>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();

    public static async Task<MetricsScrape> ReadAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync();
        var samples = new Dictionary<string, double>();
        foreach (Match m in Sample().Matches(text))
        {
            var labels = Label().Matches(m.Groups["labels"].Value)
                .Select(l => (Key: l.Groups["key"].Value, Value: l.Groups["value"].Value))
                .Where(l => l.Key != "otel_scope_name")
                .Select(l => (l.Key, l.Value));
            samples[Key(m.Groups["name"].Value, labels)] = double.Parse(m.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return new MetricsScrape(samples, text);
    }

    /// <summary>The sample's value, 0 when it is absent (a counter not yet incremented).</summary>
    public double this[string name, params (string Key, string Value)[] labels] =>
        _samples.GetValueOrDefault(Key(name, labels));

    public bool Has(string name) => _samples.Keys.Any(k => k == name || k.StartsWith(name + "{", StringComparison.Ordinal));

    private static string Key(string name, IEnumerable<(string Key, string Value)> labels)
    {
        var sorted = labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}").ToList();
        return sorted.Count == 0 ? name : $"{name}{{{string.Join(",", sorted)}}}";
    }
}
