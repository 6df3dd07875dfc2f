using AttentionService.Engine;

namespace AttentionService.Api.Scorings;

/// <summary>A scoring function, as listed by <c>GET /v1/scorings</c>.</summary>
public sealed class ScoringDescription
{
    /// <summary>Its name in requests.</summary>
    public required Scoring Name { get; init; }

    /// <summary>The score of a query row <c>q</c> and a key row <c>k</c>.</summary>
    public required string Formula { get; init; }

    /// <summary>The parameters it needs in <c>parameters</c>, with their shapes.</summary>
    public required IReadOnlyList<string> Parameters { get; init; }

    /// <summary>The scale used when a request gives none.</summary>
    public required string DefaultScale { get; init; }

    /// <summary>Where it comes from.</summary>
    public required string Source { get; init; }
}
