using System.Text.Json;
using System.Text.Json.Serialization;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>Scoring names on the wire: <c>scaled_dot</c>, <c>dot</c>, ...; numbers are refused.</summary>
internal sealed class ScoringConverter() : JsonStringEnumConverter<Scoring>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);

/// <summary>Precision names on the wire: <c>float32</c>, <c>float64</c>.</summary>
internal sealed class PrecisionConverter() : JsonStringEnumConverter<Precision>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);

/// <summary>Encoding names on the wire: <c>nested</c>, <c>base64</c>.</summary>
internal sealed class TensorEncodingConverter() : JsonStringEnumConverter<TensorEncoding>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);
