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
        options.MapType<LogSumExpTensor>(() => TensorSchemas.RefTo(TensorSchemas.LogSumExp));
        options.SchemaFilter<EnumSchemaFilter>();
        options.SchemaFilter<FieldSchemaFilter>();
        options.OperationFilter<RequestExamplesFilter>();
        options.OperationFilter<SecurityFilter>();
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
        // The v1 DTOs; V2 keeps the protocol's own schema (its V2OpenApi).
        if (schema is not OpenApiSchema { Properties: { Count: > 0 } properties } || context.Type.Assembly != typeof(FieldSchemaFilter).Assembly
            || context.Type.Namespace!.EndsWith(".V2", StringComparison.Ordinal))
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

/// <summary>The tensor components, the tags' descriptions, and the API-key scheme when keys are configured.</summary>
internal sealed class DocumentFilter(IOptions<AttentionOptions> options) : IDocumentFilter
{
    public const string Scheme = "ApiKey";

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Attention"] = "Attention, self-attention and multi-head attention over tensors (nested arrays or binary tensor objects), and the scoring functions.",
        ["Open Inference Protocol (v2)"] = "The KServe v2 / Triton protocol: server and model metadata, health, and inference on the three attention models.",
    };

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, schema) in TensorSchemas.Components())
        {
            document.Components.Schemas[name] = schema;
        }

        var used = document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []).SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>())
            .Select(t => t.Name!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        document.Tags = used.Select(name => new OpenApiTag { Name = name, Description = TagDescriptions.GetValueOrDefault(name, name) }).ToHashSet();

        if (options.Value.Auth.Enabled)
        {
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [Scheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyAuthenticationHandler.HeaderName,
                    Description = "An API key whose SHA-256 hash is listed in Attention:Auth:ApiKeyHashes; without a valid one a request to an operation that needs it is answered 401.",
                },
            };
        }
    }
}

/// <summary>
/// States each operation's security: the API key where the endpoint requires authorization (only when keys are
/// configured), an explicit empty list elsewhere, so "no key needed" is a statement rather than an omission.
/// </summary>
internal sealed class SecurityFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var needsKey = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any();
        operation.Security = needsKey
            ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentFilter.Scheme, context.Document)] = [] }]
            : [];
    }
}
