using AttentionService.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddAttentionService();
var app = builder.Build();
app.UseAttentionService();
app.Run();

/// <summary>The service's entry point; public so integration tests can host it.</summary>
public partial class Program;
