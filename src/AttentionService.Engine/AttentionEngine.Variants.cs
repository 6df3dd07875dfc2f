using System.Buffers;
using System.Numerics;
using AttentionService.Engine.Kernels;

namespace AttentionService.Engine;

/// <summary>
/// The per-row results a problem's <see cref="AttentionVariants"/> ask for, rented before the kernel runs (it writes
/// them per row of <c>[B, H, n]</c>) and handed to the result, or returned to the pool on failure.
/// </summary>
internal sealed class RowOutputs<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly AttentionVariants _variants;
    private T[]? _maxAbs;

    /// <param name="variants">What the problem asks for.</param>
    /// <param name="rowShape">The shape of one number per query row, <c>[..., n]</c>, as the kernel lays rows out.</param>
    /// <param name="topKInKernel">Whether the kernel keeps the top-k (false: the caller derives it from dense weights).</param>
    public RowOutputs(AttentionVariants variants, int[] rowShape, bool topKInKernel)
    {
        _variants = variants;
        var rows = TensorData.ElementCount(rowShape);
        if (variants.ReturnLogSumExp || variants.Diagnostics)
        {
            LogSumExp = TensorData.Rent<T>(rowShape);
        }

        if (variants.Diagnostics)
        {
            Entropy = TensorData.Rent<T>(rowShape);
            _maxAbs = ArrayPool<T>.Shared.Rent(Math.Max(rows, 1));
        }

        if (variants.WeightsTopK is { } k && topKInKernel)
        {
            TopKIndices = TensorData.Rent<int>([.. rowShape, k]);
            TopKValues = TensorData.Rent<T>([.. rowShape, k]);
        }
    }

    public TensorData<T>? LogSumExp { get; private set; }
    public TensorData<T>? Entropy { get; private set; }
    public TensorData<int>? TopKIndices { get; set; }
    public TensorData<T>? TopKValues { get; set; }
    public T[]? MaxAbs => _maxAbs;

    /// <summary>The result with every asked-for extra; ownership of the buffers moves to it.</summary>
    public AttentionResult<T> Result(TensorData<T> output, TensorData<T>? weights, Scoring scoring, double scale, KernelPath path)
    {
        AttentionDiagnostics<T>? diagnostics = null;
        if (_variants.Diagnostics)
        {
            var lse = LogSumExp!.Span;
            long masked = 0;
            foreach (var x in lse)
            {
                masked += T.IsNegativeInfinity(x) ? 1 : 0;
            }

            var maxAbs = T.Zero;
            foreach (var x in _maxAbs.AsSpan(0, lse.Length))
            {
                maxAbs = T.Max(maxAbs, x);
            }

            diagnostics = new AttentionDiagnostics<T>(path, masked, double.CreateTruncating(maxAbs), Entropy!);
        }

        var result = new AttentionResult<T>(output, weights, scoring, scale)
        {
            LogSumExp = _variants.ReturnLogSumExp ? LogSumExp : null,
            TopKIndices = TopKIndices,
            TopKValues = TopKValues,
            Diagnostics = diagnostics,
        };
        if (!_variants.ReturnLogSumExp)
        {
            LogSumExp?.Dispose();
        }

        LogSumExp = Entropy = TopKValues = null;
        TopKIndices = null;
        return result;
    }

    public void Dispose()
    {
        LogSumExp?.Dispose();
        Entropy?.Dispose();
        TopKIndices?.Dispose();
        TopKValues?.Dispose();
        if (_maxAbs is not null)
        {
            ArrayPool<T>.Shared.Return(_maxAbs);
            _maxAbs = null;
        }
    }
}

/// <summary>Top-k from dense weights, for the problems whose weights are reduced (averaged over heads) before ranking.</summary>
internal static class DenseTopK
{
    public static (TensorData<int> Indices, TensorData<T> Values) Of<T>(TensorData<T> weights, int k) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var m = weights.Dim(-1);
        int[] shape = [.. weights.ShapeArray()[..^1], k];
        var indices = TensorData.Rent<int>(shape);
        var values = TensorData.Rent<T>(shape);
        for (var r = 0; r < weights.Length / m; r++)
        {
            var vals = values.Span.Slice(r * k, k);
            var idx = indices.Span.Slice(r * k, k);
            vals.Fill(T.NegativeInfinity);
            var row = weights.Span.Slice(r * m, m);
            for (var j = 0; j < m; j++)
            {
                var w = row[j];
                if (!(w > vals[k - 1]) && vals[k - 1] != T.NegativeInfinity)
                {
                    continue;
                }

                var at = k - 1;
                while (at > 0 && (vals[at - 1] < w || T.IsNegativeInfinity(vals[at - 1])))
                {
                    vals[at] = vals[at - 1];
                    idx[at] = idx[at - 1];
                    at--;
                }

                vals[at] = w;
                idx[at] = j;
            }
        }

        return (indices, values);
    }
}
