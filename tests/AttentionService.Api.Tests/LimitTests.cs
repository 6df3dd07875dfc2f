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
            new("Attention:Limits:MaxRequestBodyBytes", "8192"),
            new("Attention:Limits:MaxScoreElements", "100"),
            new("Attention:Limits:MaxReturnedWeights", "20"),
        ];
    }

    private static string Problem(int n, int m, bool returnWeights) =>
        $$"""{"query":[{{string.Join(",", Enumerable.Repeat("[1]", n))}}],"key":[{{string.Join(",", Enumerable.Repeat("[1]", m))}}],"value":[{{string.Join(",", Enumerable.Repeat("[1]", m))}}],"returnWeights":{{(returnWeights ? "true" : "false")}}}""";

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        using var response = await _factory.CreateClient().PostAsync("/v1/attention", TestData.Json(new string(' ', 9000) + "{}"));

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await TestData.ReadObjectAsync(response))["detail"]!.GetValue<string>().ShouldContain("8192");
    }

    [Fact]
    public async Task ScoresOverTheLimit_Is422NamingTheLimit()
    {
        using var response = await _factory.CreateClient().PostAsync("/v1/attention", TestData.Json(Problem(11, 10, returnWeights: false)));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await TestData.ReadObjectAsync(response))["detail"]!.GetValue<string>().ShouldContain("MaxScoreElements");
    }

    [Fact]
    public async Task OutputOverTheLimit_Is422NamingTheBuffer()
    {
        // 11 queries of 1 against 1 key: 11 scores, under the limit of 100; but 11 x 10 outputs are over it.
        var json = $$"""{"query":[{{string.Join(",", Enumerable.Repeat("[1]", 11))}}],"key":[[1]],"value":[[{{string.Join(",", Enumerable.Repeat("1", 10))}}]],"returnWeights":false}""";

        using var response = await _factory.CreateClient().PostAsync("/v1/attention", TestData.Json(json));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await TestData.ReadObjectAsync(response))["detail"]!.GetValue<string>().ShouldContain("the output");
    }

    [Fact]
    public async Task AdditiveWorkOverTheLimit_Is422NamingTheHiddenUnits()
    {
        // A limit of 1000: 20 x 20 scores with a = 50 hidden units keep every buffer within it, but the 20000 tanh
        // evaluations are over 8 per score (8000).
        await using var factory = new AdditiveLimitFactory();
        static string Rows(int count) => string.Join(",", Enumerable.Repeat("[1]", count));
        var json = "{\"query\":[" + Rows(20) + "],\"key\":[" + Rows(20) + "],\"value\":[" + Rows(20) + "],\"returnWeights\":false,\"scoring\":\"additive\","
            + "\"parameters\":{\"wq\":[" + Rows(50) + "],\"wk\":[" + Rows(50) + "],\"v\":[" + string.Join(",", Enumerable.Repeat("1", 50)) + "]}}";

        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json(json));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await TestData.ReadObjectAsync(response))["errors"]!["parameters.v"]!.ToJsonString().ShouldContain("hidden units");
    }

    private sealed class AdditiveLimitFactory : AttentionServiceFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Attention:Limits:MaxScoreElements", "1000")];
    }

    [Fact]
    public async Task ProblemOverTheLimits_CitesTheConfiguredSetting_NotTheLargestArray()
    {
        // Limits raised past what one .NET array holds: 1000 query heads x 100 queries against 25,000 keys (grouped-query)
        // would return 2.5e9 weights, more than an array holds, and more than the configured 10,000.
        await using var factory = new RaisedLimitsFactory();
        static string Rows(int count) => "[" + string.Join(",", Enumerable.Repeat("[1]", count)) + "]";
        var json = "{\"query\":[[" + string.Join(",", Enumerable.Repeat(Rows(100), 1000)) + "]],\"key\":[[" + Rows(25_000) + "]],\"value\":[[" + Rows(25_000) + "]]}";

        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json(json));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var detail = (await TestData.ReadObjectAsync(response))["detail"]!.GetValue<string>();
        detail.ShouldContain("(setting Attention:Limits:MaxReturnedWeights)");
        detail.ShouldNotContain(Array.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private sealed class RaisedLimitsFactory : AttentionServiceFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("Attention:Limits:MaxScoreElements", "1000000000000"), new("Attention:Limits:MaxReturnedWeights", "10000")];
    }

    [Fact]
    public async Task WeightsOverTheLimit_Is422SuggestingReturnWeightsFalse()
    {
        using var refused = await _factory.CreateClient().PostAsync("/v1/attention", TestData.Json(Problem(5, 5, returnWeights: true)));
        using var accepted = await _factory.CreateClient().PostAsync("/v1/attention", TestData.Json(Problem(5, 5, returnWeights: false)));

        refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var body = await TestData.ReadObjectAsync(refused);
        body["detail"]!.GetValue<string>().ShouldContain("Attention:Limits:MaxReturnedWeights");
        body["errors"]!["returnWeights"]!.ToJsonString().ShouldContain("the output alone");
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
