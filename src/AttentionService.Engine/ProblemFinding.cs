namespace AttentionService.Engine;

/// <summary>One thing wrong with a problem: the part it concerns and what is wrong, naming the dimensions involved.</summary>
/// <param name="Part">The part of the problem.</param>
/// <param name="Message">What is wrong, naming the dimensions involved.</param>
public sealed record ProblemFinding(ProblemPart Part, string Message)
{
    /// <summary>The engine limit (an <see cref="AttentionEngineOptions"/> property) the problem exceeds; <c>null</c> for shape rules.</summary>
    public string? Limit { get; init; }
}
