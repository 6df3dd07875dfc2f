using System.Text.Json;
using System.Text.Json.Serialization;
using AttentionService.Api.Attention;
using AttentionService.Api.Merge;
using AttentionService.Api.Multihead;
using AttentionService.Api.Scorings;
using AttentionService.Api.SelfAttention;

namespace AttentionService.Api.Wire;

/// <summary>
/// Every DTO the service reads or writes, source-generated; numbers must be JSON numbers, and unknown, duplicated or
/// differently cased fields are refused.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNameCaseInsensitive = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 16,
    Converters = [typeof(ScoringConverter), typeof(PrecisionConverter), typeof(TensorEncodingConverter), typeof(AlignmentConverter)])]
[JsonSerializable(typeof(AttentionRequest))]
[JsonSerializable(typeof(SelfAttentionRequest))]
[JsonSerializable(typeof(MultiheadRequest))]
[JsonSerializable(typeof(MergeRequest))]
[JsonSerializable(typeof(ScoringDescription[]))]
[JsonSerializable(typeof(Capabilities))]
internal sealed partial class AppJsonContext : JsonSerializerContext;
