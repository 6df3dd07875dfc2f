namespace AttentionService.Engine;

/// <summary>Process-wide counters of the engine's work, for metrics and for observing that cancelled work stops.</summary>
public static class EngineCounters
{
    internal static long TilesComputedField;

    /// <summary>Key tiles scored since the process started.</summary>
    public static long TilesComputed => Interlocked.Read(ref TilesComputedField);
}
