using AttentionService.Api.Hosting;

if (Probe.TryRun(args, out var probeExitCode))
{
    return probeExitCode;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddAttentionService();
var app = builder.Build();
app.UseAttentionService();
app.Run();
return 0;

/// <summary>The service's entry point; public so integration tests can host it.</summary>
public partial class Program;
