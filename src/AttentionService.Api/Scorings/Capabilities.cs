using AttentionService.Engine;

namespace AttentionService.Api.Scorings;

/// <summary>What the service computes, as <c>GET /v1/capabilities</c> lists it: enough for a client to build any request.</summary>
public sealed class Capabilities
{
    /// <summary>The scoring functions (the same list as <c>GET /v1/scorings</c>).</summary>
    public required IReadOnlyList<ScoringDescription> Scorings { get; init; }

    /// <summary>The mask language: every request field that decides which keys a query attends and how its scores are shaped.</summary>
    public required IReadOnlyList<OptionDescription> MaskLanguage { get; init; }

    /// <summary>The extra results a request can ask for.</summary>
    public required IReadOnlyList<OptionDescription> Results { get; init; }

    /// <summary>The arithmetic precisions.</summary>
    public required IReadOnlyList<Precision> Precisions { get; init; }

    /// <summary>The kernel path this replica runs (<c>scalar</c>, <c>vector128</c>, <c>vector256</c> or <c>vector512</c>).</summary>
    public required string KernelPath { get; init; }

    /// <summary>The compute endpoints.</summary>
    public required IReadOnlyList<string> Endpoints { get; init; }
}

/// <summary>A request field: its name, JSON type, default and meaning.</summary>
public sealed class OptionDescription
{
    /// <summary>The request field (camelCase).</summary>
    public required string Name { get; init; }

    /// <summary>Its JSON type and allowed values.</summary>
    public required string Type { get; init; }

    /// <summary>The value when the field is absent.</summary>
    public required string Default { get; init; }

    /// <summary>What it does.</summary>
    public required string Meaning { get; init; }
}
