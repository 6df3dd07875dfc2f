namespace AttentionService.Engine;

/// <summary>Thrown when a problem given to the engine is not computable; <see cref="Findings"/> says why.</summary>
public sealed class AttentionProblemException : ArgumentException
{
    /// <summary>Creates the exception from the findings of a validation.</summary>
    public AttentionProblemException(IReadOnlyList<ProblemFinding> findings)
        : base(string.Join("; ", findings.Select(f => $"{f.Part}: {f.Message}")))
    {
        Findings = findings;
    }

    /// <summary>What is wrong, by part.</summary>
    public IReadOnlyList<ProblemFinding> Findings { get; }
}

/// <summary>Thrown when scores or outputs overflow the precision of the computation.</summary>
public sealed class AttentionOverflowException : ArithmeticException
{
    /// <summary>Creates the exception for the precision that overflowed.</summary>
    public AttentionOverflowException(Precision precision)
        : base(precision == Precision.Float32
            ? "the attention scores overflow float32 (|score| > 3.4e38); compute in float64 or send smaller inputs"
            : "the attention scores overflow float64 (|score| > 1.8e308); send smaller inputs")
    {
        Precision = precision;
    }

    /// <summary>The precision whose range was exceeded.</summary>
    public Precision Precision { get; }

    /// <summary>The exception for computations in <typeparamref name="T"/> (float or double).</summary>
    internal static AttentionOverflowException For<T>() => new(typeof(T) == typeof(float) ? Precision.Float32 : Precision.Float64);
}
