using System.Text.Json.Serialization;

namespace AttentionService.Api.V2;

/// <summary>The server's metadata (<c>GET /v2</c>).</summary>
/// <param name="Name">The server's name.</param>
/// <param name="Version">The service's version.</param>
/// <param name="Extensions">The protocol extensions spoken: <c>binary_tensor_data</c>.</param>
public sealed record ServerMetadata(string Name, string Version, IReadOnlyList<string> Extensions);

/// <summary>A model's metadata (<c>GET /v2/models/{model}</c>).</summary>
/// <param name="Name">The model's name.</param>
/// <param name="Versions">Its versions: <c>["1"]</c>.</param>
/// <param name="Platform">What runs it.</param>
/// <param name="Inputs">The inputs it takes.</param>
/// <param name="Outputs">The outputs it gives.</param>
public sealed record ModelMetadata(string Name, IReadOnlyList<string> Versions, string Platform, IReadOnlyList<TensorMetadata> Inputs, IReadOnlyList<TensorMetadata> Outputs);

/// <summary>An input or output of a model.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Datatype">Its datatype; where several are accepted, the first (the others are listed in <paramref name="Datatypes"/>).</param>
/// <param name="Shape">Its dimensions; -1 for a variable one. Where several ranks are accepted, the highest.</param>
/// <param name="Optional">Whether the input may be left out.</param>
/// <param name="Datatypes">Every datatype accepted.</param>
public sealed record TensorMetadata(
    string Name,
    string Datatype,
    IReadOnlyList<int> Shape,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Optional = false,
    IReadOnlyList<string>? Datatypes = null);

/// <summary>The V2 JSON contract: snake_case as the protocol spells it, strict numbers, unknown fields refused.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 16)]
[JsonSerializable(typeof(InferenceRequest))]
[JsonSerializable(typeof(ServerMetadata))]
[JsonSerializable(typeof(ModelMetadata))]
internal sealed partial class V2JsonContext : JsonSerializerContext;
