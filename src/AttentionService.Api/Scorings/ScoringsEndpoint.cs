using AttentionService.Engine;

namespace AttentionService.Api.Scorings;

/// <summary><c>GET /v1/scorings</c>: the scoring functions, described.</summary>
internal static class ScoringsEndpoint
{
    public static RouteHandlerBuilder MapScorings(this RouteGroupBuilder group) => group
        .MapGet("/scorings", () => TypedResults.Ok(Descriptions()))
        .WithName("ListScorings")
        .WithSummary("The scoring functions, with formula, parameters and default scale")
        .WithDescription("Lists every value of the `scoring` request field with its formula, the `parameters` it needs and the scale it uses when a request gives none.");

    public static ScoringDescription[] Descriptions() => ScoringInfo.All.Select(s => new ScoringDescription
    {
        Name = s.Scoring,
        Formula = s.Formula,
        Parameters = s.Parameters,
        DefaultScale = s.DefaultScale,
        Source = s.Source,
    }).ToArray();
}
