using System.Numerics;
using System.Runtime.CompilerServices;

namespace AttentionService.Engine.Kernels;

/// <summary>One worker's tile buffers, rented from the shared pool and returned on dispose.</summary>
internal sealed class Scratch<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Buffers for a span of up to <paramref name="spanRows"/> query rows (whole query tiles).</summary>
    public Scratch(in TileShape shape, int spanRows, int d, int m)
    {
        var rows = shape.RowsPadded(spanRows);
        Q = Rent(rows * d);
        Hidden = Rent(d);
        S = Rent(shape.RowsPadded(shape.QueryTile) * shape.KeyTilePadded);
        O = Rent(rows * shape.DvPadded);
        RowMax = Rent(rows);
        ScoreMax = Rent(shape.RowsPadded(shape.QueryTile) * (64 / Unsafe.SizeOf<T>()));
        RowSum = Rent(rows);
        TileMax = Rent(rows * shape.KeyTiles(m));
        Keys = new KeyTiles<T>(shape.KeyTiles(m));
    }

    /// <summary>This worker's packed key tiles.</summary>
    public KeyTiles<T> Keys { get; }

    public T[] Q { get; }
    /// <summary>Additive scoring's hidden-unit row, tanh(qa + ka).</summary>
    public T[] Hidden { get; }
    public T[] S { get; }
    public T[] O { get; }
    public T[] RowMax { get; }

    /// <summary>One vector a row of a query tile: the row maxima the score micro-kernel folds (at most 64 bytes a vector).</summary>
    public T[] ScoreMax { get; }
    public T[] RowSum { get; }
    public T[] TileMax { get; }

    public void Dispose()
    {
        foreach (var array in new[] { Q, Hidden, S, O, RowMax, ScoreMax, RowSum, TileMax })
        {
            BufferPool.Return(array);
        }

        Keys.Dispose();
    }

    private static T[] Rent(int length) => BufferPool.Rent<T>(Math.Max(length, 1));
}
