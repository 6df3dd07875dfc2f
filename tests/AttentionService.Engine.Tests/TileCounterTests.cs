namespace AttentionService.Engine.Tests;

/// <summary>
/// The tile counter is process-wide: these tests run alone, so that what they count is their own computation's tiles
/// and no other test's, and their bounds can be exact.
/// </summary>
[CollectionDefinition(nameof(TileCounterTests), DisableParallelization = true)]
public sealed class TileCounterRunsAlone;

/// <summary>What the engine computes, counted in tiles: a window skips the tiles outside it, a cancelled call computes none.</summary>
[Collection(nameof(TileCounterTests))]
public class TileCounterTests
{
    [Fact]
    public void Window_SkipsTilesOutsideIt()
    {
        var rng = new Random(1);
        int n = 1024, m = 4096, d = 8;
        var c = new Reference.Case(1, 1, 1, n, m, d, d, d) { Q = TestProblems.Random(rng, n * d), K = TestProblems.Random(rng, m * d), V = TestProblems.Random(rng, m * d) };
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = 1 });
        long Tiles(AttentionVariants v)
        {
            var before = EngineCounters.TilesComputed;
            using var _ = engine.Compute(TestProblems.Problem<float>(c, 2, returnWeights: false, v));
            return EngineCounters.TilesComputed - before;
        }

        var full = Tiles(AttentionVariants.None);
        var windowed = Tiles(new AttentionVariants { Window = new AttentionWindow(100, 0), Alignment = Alignment.BottomRight });
        // 16 query tiles x 8 key tiles in full; the window leaves each query tile at most 2 key tiles.
        full.ShouldBe(16L * 8);
        windowed.ShouldBeInRange(16L, 16L * 2, $"full {full}, windowed {windowed}");
    }

    [Fact]
    public void CancelledComputation_Throws_AndComputesNoTile()
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { MaxDegreeOfParallelism = 1 });
        var rng = new Random(3);
        const int n = 512, m = 512, d = 32;
        var q = TestProblems.Wrap<float>(TestProblems.Random(rng, n * d), [n, d]);
        var k = TestProblems.Wrap<float>(TestProblems.Random(rng, m * d), [m, d]);
        var v = TestProblems.Wrap<float>(TestProblems.Random(rng, m * d), [m, d]);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var before = EngineCounters.TilesComputed;

        Should.Throw<OperationCanceledException>(() => engine.Compute(new AttentionProblem<float> { Query = q, Key = k, Value = v }, cts.Token));

        (EngineCounters.TilesComputed - before).ShouldBe(0); // of the problem's 8 tiles (8 query tiles x 1 key tile)
    }
}
