using System.Text.Json;
using System.Text.Json.Serialization;
using AttentionService.Api.Attention;
using AttentionService.Api.Merge;
using AttentionService.Api.Multihead;
using AttentionService.Api.Scorings;
using AttentionService.Api.SelfAttention;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>Every DTO the service reads or writes, source-generated; numbers must be JSON numbers and unknown fields are refused.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 16,
    Converters = [typeof(ScoringConverter), typeof(PrecisionConverter), typeof(AlignmentConverter)])]
[JsonSerializable(typeof(AttentionRequest))]
[JsonSerializable(typeof(SelfAttentionRequest))]
[JsonSerializable(typeof(MultiheadRequest))]
[JsonSerializable(typeof(MergeRequest))]
[JsonSerializable(typeof(ScoringDescription[]))]
[JsonSerializable(typeof(Capabilities))]
internal sealed partial class AppJsonContext : JsonSerializerContext;

/// <summary>Scoring names on the wire: <c>scaled_dot</c>, <c>dot</c>, ...; numbers are refused.</summary>
internal sealed class ScoringConverter() : JsonStringEnumConverter<Scoring>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);

/// <summary>Alignment names on the wire: <c>top_left</c>, <c>bottom_right</c>.</summary>
internal sealed class AlignmentConverter() : JsonStringEnumConverter<Alignment>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);

/// <summary>Precision names on the wire: <c>float32</c>, <c>float64</c>.</summary>
internal sealed class PrecisionConverter() : JsonStringEnumConverter<Precision>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);
