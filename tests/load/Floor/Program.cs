using System.Text.Json;

// The floor for tests/load/small.sh: a bare minimal API that parses the same body with JsonDocument and writes a fixed
// answer of the service's size, no logging. What a small request costs the framework itself.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var answer = """{"output":[[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8],[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8],[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8],[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]],"weights":[[0.25,0.25,0.25,0.25],[0.25,0.25,0.25,0.25],[0.25,0.25,0.25,0.25],[0.25,0.25,0.25,0.25]],"scoring":"scaledDot","scale":0.35355339059327373,"precision":"float32"}"""u8.ToArray();
app.MapPost("/v1/attention", async (HttpContext context) =>
{
    using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
    context.Response.ContentType = "application/json; charset=utf-8";
    context.Response.ContentLength = answer.Length;
    await context.Response.Body.WriteAsync(answer, context.RequestAborted);
});
app.Run();
