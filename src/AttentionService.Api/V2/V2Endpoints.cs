using System.Numerics;
using System.Reflection;
using AttentionService.Api.Compute;
using AttentionService.Api.Health;
using AttentionService.Api.Hosting;
using AttentionService.Api.OpenApi;
using AttentionService.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AttentionService.Api.V2;

/// <summary>
/// The Open Inference Protocol (KServe v2) with Triton's binary tensor extension: server and model metadata, health,
/// and inference on the three models, through the same compute path, limits, deadlines and keys as <c>/v1</c>.
/// </summary>
internal static class V2Endpoints
{
    private const string BinaryForm =
        " Binary tensor extension: send the JSON header followed by the raw tensor bytes (little-endian, row-major, BOOL one byte per element) in the order of the inputs, " +
        "with the header's length in the Inference-Header-Content-Length request header and parameters.binary_data_size on each binary input (Content-Type application/octet-stream, or none). " +
        "Ask for binary outputs with outputs[].parameters.binary_data or parameters.binary_data_output: the answer is then application/octet-stream, the JSON (its length in Inference-Header-Content-Length) followed by the outputs' bytes in the order of outputs, each with parameters.binary_data_size. " +
        "Bodies may be compressed (Content-Encoding gzip or deflate).";

    public static RouteGroupBuilder MapV2(this IEndpointRouteBuilder app, AuthOptions auth)
    {
        var v2 = app.MapGroup("/v2").WithTags("Open Inference Protocol (v2)");
        v2.MapGet("", () => TypedResults.Ok(new ServerMetadata("attention-service", Version, ["binary_tensor_data"])))
            .WithName("V2ServerMetadata").WithSummary("Server metadata: name, version and the protocol extensions spoken")
            .WithDescription("What a V2 client asks first: the server's name and version, and the extensions it speaks (binary_tensor_data).");
        v2.MapGet("/health/live", () => TypedResults.Ok()).WithName("V2Live").WithSummary("200 while the process answers")
            .WithDescription("Liveness: 200 with an empty body while the process answers (same meaning as /health/live).");
        v2.MapGet("/health/ready", ReadyAsync).WithName("V2Ready").WithSummary("200 once the engine is warm and while the service is not stopping, else 503")
            .WithDescription("Readiness: 200 with an empty body once the engine is warm, 503 before and while shutting down (same meaning as /health/ready).");

        var models = v2.MapGroup("/models/{model}").WithComputeConventions(auth);
        foreach (var prefix in new[] { "", "/versions/{version}" })
        {
            var versioned = prefix.Length > 0 ? "Version" : "";
            models.MapGet(prefix, Metadata).WithName("V2ModelMetadata" + versioned)
                .WithSummary("Model metadata: inputs and outputs with datatype and shape (-1 for a variable dimension)")
                .WithDescription("The model's name, versions and platform, and each input and output with its datatype and shape; 404 for an unknown model.")
                .ProducesProblem(StatusCodes.Status404NotFound);
            models.MapGet(prefix + "/ready", ModelReadyAsync).WithName("V2ModelReady" + versioned)
                .WithSummary("200 when the model can take inferences, 503 while the engine is not ready")
                .WithDescription("Model readiness: 200 with an empty body when the model can take inferences, 503 while the engine is not ready; 404 for an unknown model.")
                .Produces(StatusCodes.Status200OK)
                .Produces(StatusCodes.Status503ServiceUnavailable)
                .ProducesProblem(StatusCodes.Status404NotFound);
            models.MapPost(prefix + "/infer", InferAsync).WithName("V2Infer" + versioned)
                .WithSummary("Inference: attention, self_attention or multihead_attention")
                .WithDescription("The JSON form: inputs with name, datatype, shape and flat data; parameters; outputs wanted." + BinaryForm)
                .Accepts<InferenceRequest>(isOptional: true, "application/json", "application/octet-stream")
                .WithMetadata(Examples)
                .Produces<InferenceResponse>(StatusCodes.Status200OK, "application/json", "application/octet-stream")
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
                .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
                .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
                .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
                .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        }

        return v2;
    }

    private static readonly RequestExamples Examples = new(
    [
        new("attention-seed-example", "POST /v2/models/attention/infer: the second article's corrected example; weights [0.030351, 0.969649]",
            """{"inputs":[{"name":"query","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{"name":"key","datatype":"FP32","shape":[2,3],"data":[4,6,8,5,7,9]},{"name":"value","datatype":"FP32","shape":[2,2],"data":[1,0,0,1]}]}"""),
        new("self-attention-causal", "POST /v2/models/self_attention/infer: causal Pearson self-attention, only the weights",
            """{"inputs":[{"name":"input","datatype":"FP32","shape":[3,3],"data":[1,2,3,4,5,6,7,8,9]}],"parameters":{"causal":true},"outputs":[{"name":"weights"}]}"""),
        new("multihead-two-heads", "POST /v2/models/multihead_attention/infer: two heads, identity projections, one key masked by key_lengths",
            """{"inputs":[{"name":"query","datatype":"FP32","shape":[1,2,2],"data":[1,0,0,1]},{"name":"key","datatype":"FP32","shape":[1,2,2],"data":[1,0,0,1]},{"name":"value","datatype":"FP32","shape":[1,2,2],"data":[1,2,3,4]},{"name":"q_proj_weight","datatype":"FP32","shape":[2,2],"data":[1,0,0,1]},{"name":"k_proj_weight","datatype":"FP32","shape":[2,2],"data":[1,0,0,1]},{"name":"v_proj_weight","datatype":"FP32","shape":[2,2],"data":[1,0,0,1]},{"name":"out_proj_weight","datatype":"FP32","shape":[2,2],"data":[1,0,0,1]},{"name":"key_lengths","datatype":"INT64","shape":[1],"data":[1]}],"parameters":{"num_heads":2}}"""),
    ]);

    private static string Version { get; } =
        typeof(V2Endpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0.0";

    private static async Task<IResult> ReadyAsync(HealthCheckService health, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(HealthEndpoints.ReadyTag), ct);
        return report.Status == HealthStatus.Healthy ? TypedResults.Ok() : TypedResults.StatusCode(StatusCodes.Status503ServiceUnavailable);
    }

    private static Results<Ok<ModelMetadata>, ProblemHttpResult> Metadata(string model, string? version) =>
        Find(model, version, out var problem) is { } found ? TypedResults.Ok(found.Metadata) : problem!;

    private static async Task<IResult> ModelReadyAsync(string model, string? version, HealthCheckService health, CancellationToken ct) =>
        Find(model, version, out var problem) is null ? problem! : await ReadyAsync(health, ct);

    private static async Task<IResult> InferAsync(HttpContext context, string model, string? version, AttentionEngine engine)
    {
        if (Find(model, version, out var problem) is not { } found)
        {
            return problem!;
        }

        return await ComputeEndpoints.RunAsync(context, engine, (c, limit, ticket, _) => InferenceBody.ReadAsync(c, limit, ticket), (body, run) => Answer(found, body, run));
    }

    private static Model? Find(string model, string? version, out ProblemHttpResult? problem)
    {
        var found = Models.Find(model);
        problem = found is null ? V2Errors.UnknownModel(model) : version is null or "1" ? null : V2Errors.UnknownVersion(model, version);
        return problem is null ? found : null;
    }

    /// <summary>Parse (400), bind to the model (400), then the same engine problem as v1 in the first input's precision.</summary>
    private static IResult Answer(Model model, InferenceBody body, ComputeRun run)
    {
        var (request, invalid) = body.Parse();
        if (request is null)
        {
            return invalid!;
        }

        var (bound, errors) = ModelRequest.Bind(model, request);
        if (bound is null)
        {
            return V2Errors.BadRequest(errors);
        }

        run.LogShapes(bound.Shapes);
        return bound.Precision == Precision.Float64 ? Solve<double>(bound, run) : Solve<float>(bound, run);
    }

    private static IResult Solve<T>(ModelRequest request, ComputeRun run)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        using var tensors = new TensorConversion<T>();
        var problem = request.Model.ToProblem(request, tensors);
        return run.Solve(problem, tensors.Errors, request.Model.FieldOf, (result, timings, slot) => new InferenceResult<T>(request, result, timings, slot));
    }
}
