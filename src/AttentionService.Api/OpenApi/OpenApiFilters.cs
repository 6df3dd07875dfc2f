using System.Globalization;
using System.Text.Json.Nodes;
using AttentionService.Api.Wire;
using AttentionService.Engine;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace AttentionService.Api.OpenApi;

/// <summary>Lists the enum values by their wire names, each with its meaning, in the schema description.</summary>
internal sealed class EnumSchemaFilter : ISchemaFilter
{
    private static readonly Dictionary<Type, (string Name, string Meaning)[]> Meanings = new()
    {
        [typeof(Scoring)] = ScoringInfo.All.Select(s => (ScoringInfo.NameOf(s.Scoring), $"{s.Formula}, default scale {s.DefaultScale} ({s.Source})")).ToArray(),
        [typeof(TensorEncoding)] = [("nested", "nested JSON arrays of numbers (default)"), ("base64", "tensor objects {dtype, shape, data} with the elements in base64, in the request's precision")],
        [typeof(Alignment)] = [("top_left", "query i sits at key position i (default; PyTorch's is_causal)"), ("bottom_right", "query i sits at key position i + m - n: the last query meets the last key (a KV-cache decode step)")],
        [typeof(Precision)] = [("float32", "32-bit floats (default; matches the float64 reference within 1e-5 + 1e-4·|x|)"), ("float64", "64-bit floats end to end")],
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        // Only the component itself: a field refers to it and keeps its own description and default.
        if (schema is not OpenApiSchema concrete || context.MemberInfo is not null || !Meanings.TryGetValue(context.Type, out var values))
        {
            return;
        }

        concrete.Type = JsonSchemaType.String;
        concrete.Format = null;
        concrete.Enum = values.Select(v => (JsonNode)JsonValue.Create(v.Name)!).ToList();
        concrete.Description = string.Join("\n", values.Select(v => $"* `{v.Name}`: {v.Meaning}"));
    }
}

/// <summary>
/// Adds each endpoint's <see cref="RequestExamples"/> to its request body and its <see cref="ProblemExamples"/> to the
/// problem+json content of the documented refusals, so Swagger UI shows a named answer under 400, 413, 415 and 422.
/// </summary>
internal sealed class RequestExamplesFilter : IOperationFilter
{
    private const string ProblemJson = "application/problem+json";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<RequestExamples>().FirstOrDefault() is { } requests
            && operation.RequestBody?.Content?.TryGetValue("application/json", out var found) == true && found is OpenApiMediaType media)
        {
            media.Examples = requests.Items.ToDictionary(
                e => e.Name,
                e => (IOpenApiExample)new OpenApiExample { Summary = e.Summary, Value = JsonNode.Parse(e.Json) });
        }

        if (metadata.OfType<ProblemExamples>().FirstOrDefault() is { } problems && operation.Responses is { } responses)
        {
            foreach (var status in problems.Items.GroupBy(e => e.Status))
            {
                if (responses.TryGetValue(status.Key.ToString(CultureInfo.InvariantCulture), out var response)
                    && response.Content?.TryGetValue(ProblemJson, out var content) == true && content is OpenApiMediaType problemMedia)
                {
                    problemMedia.Examples = status.ToDictionary(e => e.Name, e => (IOpenApiExample)new OpenApiExample
                    {
                        Summary = e.Summary,
                        Description = Describe(e),
                        Value = JsonNode.Parse(e.Answer),
                    });
                }
            }
        }
    }

    /// <summary>The request that gets the answer, as Markdown: Swagger UI renders it under the example's name.</summary>
    private static string Describe(ProblemExample example) => example.RequestBody is null
        ? example.Summary
        : $"Request (`{example.RequestContentType}`):\n\n```\n{example.RequestBody}\n```";
}
