using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AttentionService.Api.Hosting;
using AttentionService.Api.Security;
using AttentionService.Api.Wire;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace AttentionService.Api.OpenApi;

/// <summary>What the document needs beyond what Swashbuckle infers from the DTOs and their XML docs.</summary>
internal static class OpenApiSetup
{
    public static void AddAttentionSchemas(this SwaggerGenOptions options)
    {
        options.MapType<NumberTensor>(() => TensorSchemas.RefTo(TensorSchemas.Tensor));
        options.MapType<BoolTensor>(() => TensorSchemas.RefTo(TensorSchemas.Mask));
        options.SchemaFilter<EnumSchemaFilter>();
        options.SchemaFilter<FieldSchemaFilter>();
        options.OperationFilter<RequestExamplesFilter>();
        options.DocumentFilter<DocumentFilter>();
    }
}

/// <summary>
/// The fields of the service's own types: matrices and vectors refer to their schemas, no field is <c>nullable</c> (the
/// service refuses <c>null</c> tensors; an optional field is omitted), and a request's defaults are stated, read from
/// a fresh instance so they cannot drift from the code.
/// </summary>
internal sealed class FieldSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { Count: > 0 } properties } || context.Type.Assembly != typeof(FieldSchemaFilter).Assembly)
        {
            return;
        }

        var defaults = context.Type.Name.EndsWith("Request", StringComparison.Ordinal) ? Activator.CreateInstance(context.Type) : null;
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (!properties.TryGetValue(name, out var found) || found is not OpenApiSchema field)
            {
                continue;
            }

            field.Type &= ~JsonSchemaType.Null;
            if (field.Type == 0)
            {
                field.Type = null;
            }

            if (property.PropertyType == typeof(NumberTensor))
            {
                field.AllOf = [new OpenApiSchemaReference(TensorSchemas.ForNumberField(name))];
            }

            if (defaults is not null && (property.PropertyType == typeof(bool) || property.PropertyType.IsEnum))
            {
                var value = property.GetValue(defaults)!;
                field.Default = value is bool flag ? JsonValue.Create(flag) : JsonValue.Create(JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString()!));
            }
        }
    }
}

/// <summary>The tensor components, the tag's description, and the API-key scheme on every operation when keys are configured.</summary>
internal sealed class DocumentFilter(IOptions<AttentionOptions> options) : IDocumentFilter
{
    private const string Scheme = "ApiKey";

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, schema) in TensorSchemas.Components())
        {
            document.Components.Schemas[name] = schema;
        }

        document.Tags = new HashSet<OpenApiTag> { new() { Name = "Attention", Description = "Attention, self-attention and multi-head attention over tensors, and the scoring functions." } };

        var keys = options.Value.Auth.Enabled;
        if (keys)
        {
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [Scheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyAuthenticationHandler.HeaderName,
                    Description = "An API key whose SHA-256 hash is listed in Attention:Auth:ApiKeyHashes; without a valid one every /v1 request is answered 401.",
                },
            };
        }

        foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
        {
            // Stated on every operation even when empty: "no key needed" is then a statement, not an omission.
            operation.Security = keys ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, document)] = [] }] : [];
        }
    }
}
