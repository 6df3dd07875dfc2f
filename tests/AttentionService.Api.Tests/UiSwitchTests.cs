using System.Net;

namespace AttentionService.Api.Tests;

/// <summary><c>Attention:Ui:Swagger=false</c> and <c>Attention:Ui:Playground=false</c>: a production service without its browser pages.</summary>
public class UiSwitchTests(UiSwitchTests.Factory factory) : IClassFixture<UiSwitchTests.Factory>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/js/playground.js")]
    [InlineData("/swagger")]
    [InlineData("/swagger/index.html")]
    [InlineData("/swagger/v1/swagger.json")]
    public async Task SwitchedOff_BrowserPagesAre404(string path)
    {
        using var response = await factory.CreateClient().GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SwitchedOff_TheApiStillComputes()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/attention", TestData.Json("""{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public sealed class Factory : AttentionServiceFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("Attention:Ui:Swagger", "false"), new("Attention:Ui:Playground", "false")];
    }
}
