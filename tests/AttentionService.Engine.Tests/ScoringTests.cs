using AttentionService.Engine.Kernels;

namespace AttentionService.Engine.Tests;

/// <summary>Each scoring with masks, bias and causal, at ranks 2 to 4 and with grouped heads, against the reference.</summary>
public class ScoringTests
{
    public static IEnumerable<object[]> ScoringsAndPaths() =>
        from s in Enum.GetValues<Scoring>() from p in KernelPaths.All select new object[] { s, p };

    [Theory]
    [MemberData(nameof(ScoringsAndPaths))]
    public void Scoring_WithMaskBiasCausal_AtEveryRank_MatchesReference(Scoring scoring, KernelPath path)
    {
        var engine = new AttentionEngine(new AttentionEngineOptions { KernelPath = path, MaxDegreeOfParallelism = 2 });
        var rng = new Random((int)scoring + 1);
        var combo = 0;
        foreach (var rank in new[] { 2, 3, 4 })
        {
            foreach (var (causal, mask, bias) in new[] { (false, false, false), (true, false, false), (false, true, false), (false, false, true), (true, true, true) })
            {
                combo++;
                var b = rank >= 3 ? 1 + rng.Next(3) : 1;
                var hkv = rank == 4 ? 1 + rng.Next(2) : 1;
                var h = rank == 4 ? hkv * (1 + rng.Next(2)) : 1;
                int n = 1 + rng.Next(40), m = 1 + rng.Next(70), dq = 1 + rng.Next(20);
                var dk = scoring == Scoring.Additive ? 1 + rng.Next(20) : dq;
                var dv = 1 + rng.Next(20);
                var a = 1 + rng.Next(12);
                var broadcast = combo % 2 == 0;
                var c = new Reference.Case(b, h, hkv, n, m, dq, dk, dv)
                {
                    Q = TestProblems.Random(rng, b * h * n * dq),
                    K = TestProblems.Random(rng, b * hkv * m * dk),
                    V = TestProblems.Random(rng, b * hkv * m * dv),
                    Scoring = scoring,
                    Scale = combo % 3 == 0 ? 0.7 : null,
                    Causal = causal,
                    Mask = mask ? TestProblems.RandomMask(rng, broadcast ? n * m : b * h * n * m) : null,
                    MaskIsBroadcast = broadcast,
                    Bias = bias ? TestProblems.Random(rng, broadcast ? n * m : b * h * n * m, 2) : null,
                    BiasIsBroadcast = broadcast,
                    W = scoring == Scoring.General ? TestProblems.Random(rng, dq * dk) : null,
                    Wq = scoring == Scoring.Additive ? TestProblems.Random(rng, a * dq) : null,
                    Wk = scoring == Scoring.Additive ? TestProblems.Random(rng, a * dk) : null,
                    Va = scoring == Scoring.Additive ? TestProblems.Random(rng, a) : null,
                };
                foreach (var precision in new[] { Precision.Float32, Precision.Float64 })
                {
                    TestProblems.Check(engine, c, rank, precision, returnWeights: combo % 4 != 0, $"{scoring} rank {rank} causal={causal} mask={mask} bias={bias} {precision}");
                }
            }
        }
    }

    [Fact]
    public void Validate_DimensionsThatDisagree_NameBothDimensions()
    {
        var problem = new AttentionProblem<float>
        {
            Query = TensorData.Wrap(new float[] { 1, 2, 3 }, 1, 3),
            Key = TensorData.Wrap(new float[] { 4, 5, 6, 7, 8, 9 }, 3, 2),
            Value = TensorData.Wrap(new float[] { 1, 0, 0, 1 }, 2, 2),
        };

        var findings = new AttentionEngine().Validate(problem);

        findings.ShouldContain(f => f.Part == ProblemPart.Key && f.Message.Contains('3') && f.Message.Contains('2'));
        findings.ShouldContain(f => f.Part == ProblemPart.Value && f.Message.Contains("2 rows") && f.Message.Contains("key has 3"));
        Should.Throw<AttentionProblemException>(() => new AttentionEngine().Compute(problem)).Findings.ShouldBe(findings);
    }

    [Fact]
    public void Validate_GroupedHeadsThatDoNotDivide_AreRefused()
    {
        var one = new float[] { 1 };
        var problem = new AttentionProblem<float>
        {
            Query = TensorData.Wrap(new float[] { 1, 1, 1 }, 1, 3, 1, 1),
            Key = TensorData.Wrap(new float[] { 1, 1 }, 1, 2, 1, 1),
            Value = TensorData.Wrap(new float[] { 1, 1 }, 1, 2, 1, 1),
            Scale = -1,
            W = TensorData.Wrap(one, 1, 1),
        };

        var findings = new AttentionEngine().Validate(problem);

        findings.ShouldContain(f => f.Part == ProblemPart.Key && f.Message.Contains("2 heads") && f.Message.Contains("3 heads"));
        findings.ShouldContain(f => f.Part == ProblemPart.Scale);
    }

    [Fact]
    public void Validate_GeneralWithoutW_AsksForItsShape()
    {
        var problem = new AttentionProblem<double>
        {
            Query = TensorData.Wrap(new double[] { 1, 2 }, 1, 2),
            Key = TensorData.Wrap(new double[] { 1, 2 }, 1, 2),
            Value = TensorData.Wrap(new double[] { 1 }, 1, 1),
            Scoring = Scoring.General,
        };

        new AttentionEngine().Validate(problem).ShouldHaveSingleItem().ShouldBe(new ProblemFinding(ProblemPart.W, "is required, shape [2, 2] (general scoring needs w of shape [dq, dk] = [2, 2])"));
    }
}
