using System.Text.Json;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>The wire names of the engine's enums (snake_case, as the converters read them).</summary>
internal static class WireNames
{
    public static string Of(Precision precision) => JsonNamingPolicy.SnakeCaseLower.ConvertName(precision.ToString());
}
