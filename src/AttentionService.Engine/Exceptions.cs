namespace AttentionService.Engine;

/// <summary>One thing wrong with a problem, keyed by the request field it concerns (<c>query</c>, <c>parameters.w</c>).</summary>
/// <param name="Field">The field path.</param>
/// <param name="Message">What is wrong, naming the dimensions involved.</param>
public sealed record ProblemFinding(string Field, string Message);

/// <summary>Thrown when a problem given to the engine is not computable; <see cref="Findings"/> says why.</summary>
public sealed class AttentionProblemException : ArgumentException
{
    /// <summary>Creates the exception from the findings of a validation.</summary>
    public AttentionProblemException(IReadOnlyList<ProblemFinding> findings)
        : base(string.Join("; ", findings.Select(f => $"{f.Field}: {f.Message}")))
    {
        Findings = findings;
    }

    /// <summary>What is wrong, by field.</summary>
    public IReadOnlyList<ProblemFinding> Findings { get; }
}

/// <summary>Thrown when scores or outputs overflow the precision of the computation.</summary>
public sealed class AttentionOverflowException : ArithmeticException
{
    /// <summary>Creates the exception for the precision that overflowed.</summary>
    public AttentionOverflowException(Precision precision)
        : base(precision == Precision.Float32
            ? "the attention scores overflow float32 (|score| > 3.4e38); send \"precision\": \"float64\" or smaller inputs"
            : "the attention scores overflow float64 (|score| > 1.8e308); send smaller inputs")
    {
        Precision = precision;
    }

    /// <summary>The precision whose range was exceeded.</summary>
    public Precision Precision { get; }
}
