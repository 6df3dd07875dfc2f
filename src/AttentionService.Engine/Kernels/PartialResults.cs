using System.Numerics;
using System.Numerics.Tensors;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Unnormalized outputs with their running max and sum, one slot per (query tile, key range), for problems split
/// over key ranges. <see cref="Merge"/> combines a tile's ranges by log-sum-exp:
/// M = max m_s, l = Σ l_s·e^(m_s - M), y = Σ o_s·e^(m_s - M) / l.
/// </summary>
internal sealed class PartialResults<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _outputs;
    private readonly T[] _max;
    private readonly T[] _sum;
    private readonly int _rows;
    private readonly int _dv;

    public PartialResults(int slots, int rowsPerSlot, int dv)
    {
        _rows = rowsPerSlot;
        _dv = dv;
        _outputs = BufferPool.Rent<T>(slots * rowsPerSlot * dv);
        _max = BufferPool.Rent<T>(slots * rowsPerSlot);
        _sum = BufferPool.Rent<T>(slots * rowsPerSlot);
    }

    public void Store(int slot, ReadOnlySpan<T> o, ReadOnlySpan<T> rowMax, ReadOnlySpan<T> rowSum, int rows, int dv, int dvPad)
    {
        for (var r = 0; r < rows; r++)
        {
            o.Slice(r * dvPad, dv).CopyTo(_outputs.AsSpan(((slot * _rows) + r) * _dv, dv));
        }

        rowMax[..rows].CopyTo(_max.AsSpan(slot * _rows, rows));
        rowSum[..rows].CopyTo(_sum.AsSpan(slot * _rows, rows));
    }

    /// <summary>
    /// Writes the normalized rows of the tile whose ranges occupy slots <c>[first, first + splits)</c>, and their
    /// log-sum-exp M + ln l when <paramref name="logSumExp"/> is not empty.
    /// </summary>
    public void Merge(int first, int splits, int rows, Span<T> output, Span<T> logSumExp)
    {
        for (var r = 0; r < rows; r++)
        {
            var max = T.NegativeInfinity;
            for (var s = 0; s < splits; s++)
            {
                max = T.Max(max, _max[((first + s) * _rows) + r]);
            }

            var y = output.Slice(r * _dv, _dv);
            y.Clear();
            if (T.IsNegativeInfinity(max))
            {
                if (!logSumExp.IsEmpty)
                {
                    logSumExp[r] = T.NegativeInfinity;
                }

                continue; // no key allowed in any range: zeros
            }

            var total = T.Zero;
            for (var s = 0; s < splits; s++)
            {
                var index = ((first + s) * _rows) + r;
                if (T.IsNegativeInfinity(_max[index]))
                {
                    continue;
                }

                var factor = T.Exp(_max[index] - max);
                total += _sum[index] * factor;
                TensorPrimitives.MultiplyAdd(_outputs.AsSpan(index * _dv, _dv), factor, y, y);
            }

            TensorPrimitives.Multiply(y, T.One / total, y);
            if (!TensorPrimitives.IsFiniteAll<T>(y))
            {
                throw AttentionOverflowException.For<T>();
            }

            if (!logSumExp.IsEmpty)
            {
                logSumExp[r] = max + T.Log(total);
            }
        }
    }

    public void Dispose()
    {
        BufferPool.Return(_outputs);
        BufferPool.Return(_max);
        BufferPool.Return(_sum);
    }
}
