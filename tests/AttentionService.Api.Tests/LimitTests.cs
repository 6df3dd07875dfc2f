using System.Net;

namespace AttentionService.Api.Tests;

/// <summary>Size limits, on a host configured with small ones so the tests stay cheap.</summary>
public class LimitTests : IClassFixture<LimitTests.SmallLimitsFactory>
{
    private readonly SmallLimitsFactory _factory;

    public LimitTests(SmallLimitsFactory factory) => _factory = factory;

    public sealed class SmallLimitsFactory : AttentionServiceFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Attention:Limits:MaxRequestBodyBytes", "2048"),
            new("Attention:Limits:MaxScoreElements", "100"),
            new("Attention:Limits:MaxReturnedWeights", "20"),
        ];
    }

    private static string Problem(int n, int m, bool returnWeights) =>
        $$"""{"query":[{{string.Join(",", Enumerable.Repeat("[1]", n))}}],"key":[{{string.Join(",", Enumerable.Repeat("[1]", m))}}],"value":[{{string.Join(",", Enumerable.Repeat("[1]", m))}}],"returnWeights":{{(returnWeights ? "true" : "false")}}}""";

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        using var response = await _factory.CreateClient().PostAsync("/v1/attention", TestData.Json(new string(' ', 3000) + "{}"));

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await TestData.ReadObjectAsync(response))["detail"]!.GetValue<string>().ShouldContain("2048");
    }

    [Fact]
    public async Task ScoresOverTheLimit_Is422NamingTheLimit()
    {
        using var response = await _factory.CreateClient().PostAsync("/v1/attention", TestData.Json(Problem(11, 10, returnWeights: false)));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await TestData.ReadObjectAsync(response))["detail"]!.GetValue<string>().ShouldContain("MaxScoreElements");
    }

    [Fact]
    public async Task WeightsOverTheLimit_Is422SuggestingReturnWeightsFalse()
    {
        using var refused = await _factory.CreateClient().PostAsync("/v1/attention", TestData.Json(Problem(5, 5, returnWeights: true)));
        using var accepted = await _factory.CreateClient().PostAsync("/v1/attention", TestData.Json(Problem(5, 5, returnWeights: false)));

        refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var detail = (await TestData.ReadObjectAsync(refused))["detail"]!.GetValue<string>();
        detail.ShouldContain("MaxReturnedWeights");
        detail.ShouldContain("\"returnWeights\": false");
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
