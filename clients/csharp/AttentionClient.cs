using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AttentionService.Client;

/// <summary>
/// Calls AttentionService. Tensors go in the binary form (<c>{"dtype", "shape", "data"}</c>) and answers come back in
/// it (<c>"encoding": "base64"</c>); <paramref name="binary"/> false sends nested JSON arrays instead.
/// </summary>
/// <param name="http">An <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the service.</param>
/// <param name="apiKey">Sent as <c>X-API-Key</c> when the service has keys configured.</param>
/// <param name="binary">Whether tensors travel in the binary form.</param>
public sealed class AttentionClient(HttpClient http, string? apiKey = null, bool binary = true)
{
    private readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new TensorConverter(binary) },
    };

    /// <summary><c>POST /v1/attention</c>.</summary>
    public Task<AttentionResult> AttentionAsync(AttentionCall call, CancellationToken cancellationToken = default) =>
        PostAsync("v1/attention", call, call?.Query, cancellationToken);

    /// <summary><c>POST /v1/attention/self</c>.</summary>
    public Task<AttentionResult> SelfAttentionAsync(SelfAttentionCall call, CancellationToken cancellationToken = default) =>
        PostAsync("v1/attention/self", call, call?.Input, cancellationToken);

    /// <summary><c>POST /v1/attention/multihead</c>.</summary>
    public Task<AttentionResult> MultiheadAsync(MultiheadCall call, CancellationToken cancellationToken = default) =>
        PostAsync("v1/attention/multihead", call, call?.Query, cancellationToken);

    private async Task<AttentionResult> PostAsync<TCall>(string path, TCall call, Tensor? first, CancellationToken cancellationToken)
        where TCall : AttentionFields
    {
        ArgumentNullException.ThrowIfNull(call);
        var body = JsonSerializer.SerializeToNode(call, _json)!.AsObject();
        if (call.Precision is null && first?.Type == TensorType.Float64)
        {
            body["precision"] = "float64";
        }

        if (binary)
        {
            body["encoding"] = "base64";
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (apiKey is not null)
        {
            request.Headers.Add("X-API-Key", apiKey);
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new AttentionException(response.StatusCode, text);
        }

        using var answer = JsonDocument.Parse(text);
        var root = answer.RootElement;
        var precision = root.GetProperty("precision").GetString() == "float64" ? Precision.Float64 : Precision.Float32;
        var type = precision == Precision.Float64 ? TensorType.Float64 : TensorType.Float32;
        return new AttentionResult(
            Tensor.Read(root.GetProperty("output"), type),
            root.TryGetProperty("weights", out var weights) ? Tensor.Read(weights, type) : null,
            root.GetProperty("scoring").GetString()!,
            root.GetProperty("scale").GetDouble(),
            precision);
    }

    private sealed class TensorConverter(bool binary) : JsonConverter<Tensor>
    {
        public override Tensor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("answers are read by AttentionClient");

        public override void Write(Utf8JsonWriter writer, Tensor value, JsonSerializerOptions options) => value.Write(writer, binary);
    }
}
