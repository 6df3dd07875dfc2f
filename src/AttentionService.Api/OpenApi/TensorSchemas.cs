using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace AttentionService.Api.OpenApi;

/// <summary>
/// The tensor schemas of the document. A tensor is nested arrays (2, 3 or 4 deep; a vector 1 deep) or a binary tensor
/// object; every nesting level has <c>minItems: 1</c>, so exactly one alternative of each <c>oneOf</c> matches.
/// </summary>
internal static class TensorSchemas
{
    public const string Tensor = "Tensor";
    public const string Matrix = "Matrix";
    public const string Vector = "Vector";
    public const string Mask = "Mask";
    public const string BinaryTensor = "BinaryTensor";
    public const string BinaryMask = "BinaryMask";
    public const string LogSumExp = "LogSumExp";

    /// <summary>Fields that are one matrix or one vector, not a tensor with optional batch and heads (by JSON name).</summary>
    private static readonly Dictionary<string, string> Shaped = new()
    {
        ["w"] = Matrix, ["wq"] = Matrix, ["wk"] = Matrix,
        ["qProjWeight"] = Matrix, ["kProjWeight"] = Matrix, ["vProjWeight"] = Matrix, ["outProjWeight"] = Matrix,
        ["v"] = Vector, ["b"] = Vector,
        ["qProjBias"] = Vector, ["kProjBias"] = Vector, ["vProjBias"] = Vector, ["outProjBias"] = Vector,
    };

    /// <summary>The component a number field refers to: <see cref="Tensor"/> unless it is a matrix or vector.</summary>
    public static string ForNumberField(string jsonName) => Shaped.GetValueOrDefault(jsonName, Tensor);

    /// <summary>A reference to a component, wrapped so the field's own description and default can sit beside it (OpenAPI 3.0).</summary>
    public static OpenApiSchema RefTo(string component) => new() { AllOf = [new OpenApiSchemaReference(component)] };

    public static IEnumerable<(string Name, OpenApiSchema Schema)> Components()
    {
        yield return (Tensor, new OpenApiSchema
        {
            Description = "Numbers nested 2, 3 or 4 deep: `[n][d]`, `[batch][n][d]` or `[batch][heads][n][d]`, rectangular; or a binary tensor object of rank 2 to 4.",
            OneOf = [Nested(JsonSchemaType.Number, 2), Nested(JsonSchemaType.Number, 3), Nested(JsonSchemaType.Number, 4), new OpenApiSchemaReference(BinaryTensor)],
            Examples = [JsonNode.Parse("[[1,2,3],[4,5,6]]")!],
        });
        yield return (Matrix, new OpenApiSchema
        {
            Description = "A rectangular matrix of numbers, `[rows][cols]`; or a binary tensor object of rank 2.",
            OneOf = [Nested(JsonSchemaType.Number, 2), new OpenApiSchemaReference(BinaryTensor)],
            Examples = [JsonNode.Parse("[[1,0],[0,1]]")!],
        });
        yield return (Vector, new OpenApiSchema
        {
            Description = "A vector of numbers; or a binary tensor object of rank 1.",
            OneOf = [Nested(JsonSchemaType.Number, 1), new OpenApiSchemaReference(BinaryTensor)],
            Examples = [JsonNode.Parse("[1,-1]")!],
        });
        yield return (Mask, new OpenApiSchema
        {
            Description = "Booleans nested 2, 3 or 4 deep (`true` = may attend), rectangular; or a binary tensor object of dtype `bool`.",
            OneOf = [Nested(JsonSchemaType.Boolean, 2), Nested(JsonSchemaType.Boolean, 3), Nested(JsonSchemaType.Boolean, 4), new OpenApiSchemaReference(BinaryMask)],
            Examples = [JsonNode.Parse("[[true,false],[true,true]]")!],
        });
        yield return (LogSumExp, new OpenApiSchema
        {
            Description = "Each query row's log-sum-exp, `[..., n]`: numbers nested 1, 2 or 3 deep, the string `\"-Infinity\"` for a row that may attend no key.",
            OneOf = [NestedLogSumExp(1), NestedLogSumExp(2), NestedLogSumExp(3)],
            Examples = [JsonNode.Parse("""[2.5,"-Infinity"]""")!],
        });
        yield return (BinaryTensor, Binary(
            "A tensor of numbers in binary: the elements row-major, little-endian IEEE 754, in standard base64 with padding (what `numpy.ndarray.tobytes()` and a `Float32Array`'s buffer hold). A float32 tensor in a float64 request is widened, a float64 tensor in a float32 request narrowed.",
            ["float32", "float64"],
            """{"dtype":"float32","shape":[2,3],"data":"AACAPwAAAEAAAEBAAACAQAAAoEAAAMBA"}"""));
        yield return (BinaryMask, Binary(
            "A boolean tensor in binary: one byte per element, 0 or 1, row-major, in standard base64 with padding.",
            ["bool"],
            """{"dtype":"bool","shape":[2,2],"data":"AQABAQ=="}"""));
    }

    private static OpenApiSchema NestedLogSumExp(int depth) => depth == 0
        ? new OpenApiSchema
        {
            OneOf =
            [
                new OpenApiSchema { Type = JsonSchemaType.Number },
                new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("-Infinity")!] },
            ],
        }
        : new OpenApiSchema { Type = JsonSchemaType.Array, MinItems = 1, Items = NestedLogSumExp(depth - 1) };

    private static OpenApiSchema Nested(JsonSchemaType leaf, int depth) => depth == 0
        ? new OpenApiSchema { Type = leaf }
        : new OpenApiSchema { Type = JsonSchemaType.Array, MinItems = 1, Items = Nested(leaf, depth - 1) };

    private static OpenApiSchema Binary(string description, string[] dtypes, string example) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Required = new HashSet<string> { "dtype", "shape", "data" },
        AdditionalPropertiesAllowed = false,
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["dtype"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = dtypes.Select(d => (JsonNode)JsonValue.Create(d)).ToList(),
                Description = "The element type.",
            },
            ["shape"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                MinItems = 1,
                MaxItems = 4,
                Items = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1" },
                Description = "The dimensions, outermost first, as the nested form would have them: rank 2 to 4 for tensors, 1 for vectors.",
            },
            ["data"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "byte",
                Description = "The elements' bytes, row-major and little-endian, in standard base64 (RFC 4648 section 4) with padding; as many as `shape` and `dtype` say.",
            },
        },
        Examples = [JsonNode.Parse(example)!],
    };
}
