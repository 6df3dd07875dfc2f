using System.Numerics;
using System.Numerics.Tensors;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Additive (Bahdanau) scores for one tile: <c>scale · v · tanh(qa_i + ka_j)</c>, one TensorPrimitives pass per pair.
/// Q and K hold the projected rows (a hidden units each); there is no matrix product to block, so no micro-kernel.
/// </summary>
internal static class AdditiveScoring
{
    public static void ScoreTile<T>(CoreProblem<T> p, Scratch<T> s, ReadOnlySpan<T> qa, long kOff, int j0, int rows, int cols, int bcPad, CancellationToken ct)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var a = p.D;
        var v = p.AdditiveV!.AsSpan(0, a);
        var hidden = s.Hidden.AsSpan(0, a);
        for (var r = 0; r < rows; r++)
        {
            ct.ThrowIfCancellationRequested(); // a row costs cols·a tanh: with many hidden units a tile is long
            var qRow = qa.Slice(r * a, a);
            for (var c = 0; c < cols; c++)
            {
                TensorPrimitives.Add(qRow, p.K.AsSpan((int)(kOff + ((long)(j0 + c) * a)), a), hidden);
                TensorPrimitives.Tanh(hidden, hidden);
                s.S[(r * bcPad) + c] = p.Scale * TensorPrimitives.Dot(hidden, v);
            }
        }
    }
}
