using AttentionService.Engine;

namespace AttentionService.Api.Errors;

/// <summary>Field problems of one request, keyed by field path (<c>query[1]</c>, <c>parameters.w</c>): the <c>errors</c> of a 422.</summary>
internal sealed class FieldErrors
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

    /// <summary>The engine's findings, each named by the face's field for its part; an exceeded limit cites its setting.</summary>
    public void AddRange(IEnumerable<ProblemFinding> findings, Func<ProblemPart, string> fieldOf)
    {
        foreach (var finding in findings)
        {
            Add(fieldOf(finding.Part), finding.Limit is { } limit ? $"{finding.Message} (setting Attention:Limits:{SettingOf(limit)})" : finding.Message);
        }
    }

    /// <summary>The service's setting behind an engine limit: the engine's problem bytes are the service's memory budget.</summary>
    private static string SettingOf(string engineLimit) =>
        engineLimit == nameof(AttentionEngineOptions.MaxProblemBytes) ? "MemoryBudgetBytes" : engineLimit;

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>One sentence per field, for the problem's <c>detail</c>.</summary>
    public string Detail() => string.Join("; ", _errors.SelectMany(e => e.Value.Select(m => $"{e.Key} {m}")));
}
