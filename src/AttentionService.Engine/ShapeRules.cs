namespace AttentionService.Engine;

/// <summary>Shape checks shared by the problem types; each failure becomes a <see cref="ProblemFinding"/>.</summary>
internal sealed class ShapeRules
{
    private readonly List<ProblemFinding> _findings = [];

    public IReadOnlyList<ProblemFinding> Findings => _findings;

    public bool Ok => _findings.Count == 0;

    public void Fail(ProblemPart part, string message) => _findings.Add(new ProblemFinding(part, message));

    public void Add(ProblemFinding finding) => _findings.Add(finding);

    public void Exceeds(ProblemPart part, string limit, string message) => _findings.Add(new ProblemFinding(part, message) { Limit = limit });

    /// <summary>The tensor has one of the allowed ranks and no empty dimension.</summary>
    public bool Tensor<T>(ProblemPart part, TensorData<T>? tensor, int minRank, int maxRank) where T : unmanaged
    {
        if (tensor is null)
        {
            Fail(part, "is required");
            return false;
        }

        if (tensor.Rank < minRank || tensor.Rank > maxRank)
        {
            var allowed = minRank == maxRank ? $"{minRank}" : $"{minRank} to {maxRank}";
            Fail(part, $"must be nested {allowed} deep; it is nested {tensor.Rank} deep (shape {TensorData.Format(tensor.Shape)})");
            return false;
        }

        if (tensor.Length == 0)
        {
            Fail(part, $"is empty (shape {TensorData.Format(tensor.Shape)}); every dimension needs at least one element");
            return false;
        }

        return true;
    }

    /// <summary>The tensor has exactly <paramref name="expected"/> as its shape.</summary>
    public bool Shape<T>(ProblemPart part, TensorData<T>? tensor, ReadOnlySpan<int> expected, string meaning) where T : unmanaged
    {
        if (tensor is null)
        {
            Fail(part, $"is required, shape {TensorData.Format(expected)} ({meaning})");
            return false;
        }

        if (!tensor.Shape.SequenceEqual(expected))
        {
            Fail(part, $"has shape {TensorData.Format(tensor.Shape)}; expected {TensorData.Format(expected)} ({meaning})");
            return false;
        }

        return true;
    }

    /// <summary>A mask or bias is <c>[n][m]</c>, broadcast, or the query's leading dimensions followed by <c>[n][m]</c>.</summary>
    public bool Broadcastable<T>(ProblemPart part, TensorData<T>? tensor, ReadOnlySpan<int> leading, int n, int m) where T : unmanaged
    {
        if (tensor is null)
        {
            return true;
        }

        if (tensor.Rank == 2 && tensor.Dim(0) == n && tensor.Dim(1) == m)
        {
            return true;
        }

        int[] full = [.. leading, n, m];
        if (tensor.Shape.SequenceEqual(full))
        {
            return true;
        }

        var alternatives = leading.Length == 0 ? "" : $" or {TensorData.Format(full)}";
        Fail(part, $"has shape {TensorData.Format(tensor.Shape)}; expected [{n}, {m}] (query rows x key rows){alternatives}");
        return false;
    }
}
