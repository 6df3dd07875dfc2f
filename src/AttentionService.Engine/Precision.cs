namespace AttentionService.Engine;

/// <summary>Arithmetic precision of a computation.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The names are the wire values float32 and float64.")]
public enum Precision
{
    /// <summary>32-bit floats, as every deep-learning framework computes by default.</summary>
    Float32,

    /// <summary>64-bit floats.</summary>
    Float64,
}
