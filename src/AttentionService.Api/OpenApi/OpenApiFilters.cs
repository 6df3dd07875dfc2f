using System.Text.Json.Nodes;
using AttentionService.Api.Json;
using AttentionService.Engine;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace AttentionService.Api.OpenApi;

/// <summary>Schema pieces Swashbuckle cannot infer: tensors are nested arrays, enums use their wire names.</summary>
internal static class OpenApiSchemas
{
    /// <summary>An array of arrays of <paramref name="leaf"/> (the rank-2 form; batches and heads nest the same way deeper).</summary>
    public static OpenApiSchema Tensor(JsonSchemaType leaf) => new()
    {
        Type = JsonSchemaType.Array,
        Items = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = leaf } },
    };

    public static void AddTensorTypes(SwaggerGenOptions options)
    {
        options.MapType<NumberTensor>(() => Tensor(JsonSchemaType.Number));
        options.MapType<BoolTensor>(() => Tensor(JsonSchemaType.Boolean));
    }
}

/// <summary>Lists the enum values by their wire names, each with its meaning, in the schema description.</summary>
internal sealed class EnumSchemaFilter : ISchemaFilter
{
    private static readonly Dictionary<Type, (string Name, string Meaning)[]> Meanings = new()
    {
        [typeof(Scoring)] = ScoringInfo.All.Select(s => (WireNames.Of(s.Scoring), $"{s.Formula}, default scale {s.DefaultScale} ({s.Source})")).ToArray(),
        [typeof(Precision)] = [("float32", "32-bit floats (default; matches the float64 reference within 1e-5 + 1e-4·|x|)"), ("float64", "64-bit floats end to end")],
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema concrete || !Meanings.TryGetValue(context.Type, out var values))
        {
            return;
        }

        concrete.Type = JsonSchemaType.String;
        concrete.Format = null;
        concrete.Enum = values.Select(v => (JsonNode)JsonValue.Create(v.Name)!).ToList();
        concrete.Description = string.Join("\n", values.Select(v => $"* `{v.Name}`: {v.Meaning}"));
    }
}

/// <summary>Adds each endpoint's <see cref="RequestExamples"/> to its request body.</summary>
internal sealed class RequestExamplesFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var examples = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<RequestExamples>().FirstOrDefault();
        if (examples is null || operation.RequestBody?.Content?.TryGetValue("application/json", out var found) != true || found is not OpenApiMediaType media)
        {
            return;
        }

        media.Examples = examples.Items.ToDictionary(
            e => e.Name,
            e => (IOpenApiExample)new OpenApiExample { Summary = e.Summary, Value = JsonNode.Parse(e.Json) });
    }
}
