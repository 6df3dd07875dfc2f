namespace AttentionService.Api.OpenApi;

/// <summary>A named request example shown in Swagger UI; the first one prefills "Try it out".</summary>
/// <param name="Name">Its key in the OpenAPI document.</param>
/// <param name="Summary">What it shows.</param>
/// <param name="Json">The request body.</param>
public sealed record NamedExample(string Name, string Summary, string Json);

/// <summary>Endpoint metadata carrying the request examples of an operation.</summary>
public sealed record RequestExamples(IReadOnlyList<NamedExample> Items);
