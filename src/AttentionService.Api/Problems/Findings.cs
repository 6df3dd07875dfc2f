using AttentionService.Engine;

namespace AttentionService.Api.Problems;

/// <summary>Field problems collected while turning a request into an engine problem, keyed by field path.</summary>
internal sealed class Findings
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public void AddRange(IEnumerable<ProblemFinding> findings, Func<string, string>? rename = null)
    {
        foreach (var finding in findings)
        {
            Add(rename?.Invoke(finding.Field) ?? finding.Field, finding.Message);
        }
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>One sentence per field, for the problem's <c>detail</c>.</summary>
    public string Detail() => string.Join("; ", _errors.SelectMany(e => e.Value.Select(m => $"{e.Key} {m}")));
}
