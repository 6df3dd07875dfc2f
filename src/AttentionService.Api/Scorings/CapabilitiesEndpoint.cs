using System.Text.Json;
using AttentionService.Engine;

namespace AttentionService.Api.Scorings;

/// <summary><c>GET /v1/capabilities</c>: the scorings, the mask language and the extra results, described.</summary>
internal static class CapabilitiesEndpoint
{
    private static readonly OptionDescription[] MaskLanguage =
    [
        new() { Name = "causal", Type = "boolean", Default = "false", Meaning = "query i attends key j only when j <= p_i (the window [-1, 0])" },
        new() { Name = "mask", Type = "boolean tensor [n][m] or [..., n, m]", Default = "none", Meaning = "true = may attend" },
        new() { Name = "bias", Type = "number tensor, as mask", Default = "none", Meaning = "added to the scaled (softcapped) scores" },
        new() { Name = "alignment", Type = "\"top_left\" | \"bottom_right\"", Default = "\"top_left\"", Meaning = "query i sits at key position p_i = i (top_left) or i + m - n (bottom_right, a KV-cache decode step)" },
        new() { Name = "window", Type = "[left, right] integers, -1 unbounded", Default = "none", Meaning = "query i attends key j only when p_i - left <= j <= p_i + right; tiles outside are skipped, so work scales with the window" },
        new() { Name = "softcap", Type = "number > 0", Default = "none", Meaning = "each scaled score s becomes c·tanh(s / c), before bias, ALiBi and masks (Gemma 2)" },
        new() { Name = "alibi", Type = "boolean", Default = "false", Meaning = "adds -slope_h·|p_i - j| per head h, slopes by the ALiBi paper's get_slopes (any head count)" },
    ];

    private static readonly OptionDescription[] Results =
    [
        new() { Name = "returnWeights", Type = "boolean", Default = "true", Meaning = "weights [..., n, m]" },
        new() { Name = "weightsTopK", Type = "integer 1..m", Default = "none", Meaning = "weightsTopK {indices, values} [..., n, k] instead of weights: each row's k largest, ties by lower key index; O(n·k) memory" },
        new() { Name = "returnLogSumExp", Type = "boolean", Default = "false", Meaning = "logSumExp [..., n], \"-Infinity\" for a row with no key; answers over disjoint key shards merge exactly with POST /v1/attention/merge" },
        new() { Name = "diagnostics", Type = "boolean", Default = "false", Meaning = "diagnostics {kernelPath, maskedRows, maxAbsScore, entropy [..., n] in nats}" },
    ];

    public static RouteHandlerBuilder MapCapabilities(this RouteGroupBuilder group) => group
        .MapGet("/capabilities", (AttentionEngine engine) => TypedResults.Ok(new Capabilities
        {
            Scorings = ScoringsEndpoint.Descriptions(),
            MaskLanguage = MaskLanguage,
            Results = Results,
            Precisions = [Precision.Float32, Precision.Float64],
            KernelPath = JsonNamingPolicy.CamelCase.ConvertName(engine.KernelPath.ToString()),
            Endpoints = ["/v1/attention", "/v1/attention/self", "/v1/attention/multihead", "/v1/attention/merge"],
        }))
        .WithName("DescribeCapabilities")
        .WithSummary("The scorings, the mask language (causal, mask, bias, alignment, window, softcap, alibi) and the extra results")
        .WithDescription("Describes everything a request can ask for: each scoring with its formula and parameters, each option of the mask language with its values and default, the extra results (logSumExp, weightsTopK, diagnostics), the precisions, the endpoints, and the kernel path this replica runs.");
}
