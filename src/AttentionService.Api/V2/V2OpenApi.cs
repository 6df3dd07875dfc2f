using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace AttentionService.Api.V2;

/// <summary>Schema pieces of V2 Swashbuckle cannot infer.</summary>
internal static class V2OpenApi
{
    /// <summary><c>data</c> is a flat list of numbers (booleans for BOOL); nested lists are accepted too.</summary>
    public static void AddV2Schemas(this SwaggerGenOptions options) => options.MapType<TensorValues>(() => new OpenApiSchema
    {
        Type = JsonSchemaType.Array,
        Items = new OpenApiSchema { Type = JsonSchemaType.Number | JsonSchemaType.Boolean },
        Description = "The elements, row-major: a flat list of numbers, or of booleans for BOOL (nested lists are accepted too).",
    });
}
