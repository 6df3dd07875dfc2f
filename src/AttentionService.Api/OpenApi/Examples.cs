namespace AttentionService.Api.OpenApi;

/// <summary>A named request example shown in Swagger UI; the first one prefills "Try it out".</summary>
/// <param name="Name">Its key in the OpenAPI document.</param>
/// <param name="Summary">What it shows.</param>
/// <param name="Json">The request body.</param>
public sealed record NamedExample(string Name, string Summary, string Json);

/// <summary>Endpoint metadata carrying the request examples of an operation.</summary>
public sealed record RequestExamples(IReadOnlyList<NamedExample> Items);

/// <summary>The request examples of every endpoint; the articles' corrected worked examples come first.</summary>
internal static class Examples
{
    private const string Identity4 = "[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]";

    public static readonly RequestExamples Attention = new(
    [
        new("seed-example-scaled-dot", "The second article's worked example, corrected: one 3-dim query, two keys; weights [0.030351, 0.969649]",
            """{"query":[[1,2,3]],"key":[[4,6,8],[5,7,9]],"value":[[1,0],[0,1]]}"""),
        new("causal-with-mask", "Causal attention with a mask (true = may attend)",
            """{"query":[[1,0],[0,1],[1,1]],"key":[[1,0],[0,1],[1,1]],"value":[[1,2],[3,4],[5,6]],"causal":true,"mask":[[true,true,true],[true,false,true],[true,true,true]]}"""),
        new("general", "Multiplicative (Luong) scoring qᵀ W k",
            """{"query":[[1,2]],"key":[[1,0],[0,1]],"value":[[1],[2]],"scoring":"general","parameters":{"w":[[0.5,0],[0,0.5]]}}"""),
        new("additive", "Additive (Bahdanau) scoring, query and key of different sizes",
            """{"query":[[1,2]],"key":[[1,0,1],[0,1,1]],"value":[[1],[2]],"scoring":"additive","parameters":{"wq":[[1,0],[0,1]],"wk":[[1,0,0],[0,1,0]],"v":[1,-1]}}"""),
        new("grouped-query-float64", "Batch of one, two query heads sharing one key/value head, in float64",
            """{"query":[[[[1,0]],[[0,1]]]],"key":[[[[1,0],[0,1]]]],"value":[[[[1,2],[3,4]]]],"precision":"float64"}"""),
    ]);

    public static readonly RequestExamples Self = new(
    [
        new("seed-example-pearson", "The first article's worked example, corrected: every row correlates perfectly, so every weight is 1/3 and Y = [[4,5,6],[4,5,6],[4,5,6]]",
            """{"input":[[1,2,3],[4,5,6],[7,8,9]]}"""),
        new("scaled-dot-causal", "Causal scaled dot-product self-attention",
            """{"input":[[1,0],[0,1],[1,1]],"scoring":"scaled_dot","causal":true}"""),
    ]);

    public static readonly RequestExamples Multihead = new(
    [
        new("two-heads-identity", "Two heads of 2 dimensions with identity projections",
            $$"""{"query":[[1,0,0,1],[0,1,1,0]],"key":[[1,0,0,1],[0,1,1,0],[1,1,1,1]],"value":[[1,2,3,4],[5,6,7,8],[9,10,11,12]],"numHeads":2,"qProjWeight":{{Identity4}},"kProjWeight":{{Identity4}},"vProjWeight":{{Identity4}},"outProjWeight":{{Identity4}}}"""),
        new("batched-key-lengths", "A batch of two; the second item attends only its first key",
            $$"""{"query":[[[1,0,0,1]],[[0,1,1,0]]],"key":[[[1,0,0,1],[0,1,1,0]],[[1,0,0,1],[0,1,1,0]]],"value":[[[1,2,3,4],[5,6,7,8]],[[1,2,3,4],[5,6,7,8]]],"numHeads":2,"keyLengths":[2,1],"averageWeights":false,"qProjWeight":{{Identity4}},"kProjWeight":{{Identity4}},"vProjWeight":{{Identity4}},"outProjWeight":{{Identity4}}}"""),
    ]);
}
