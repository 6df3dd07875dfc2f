using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Keys transposed per key tile (<c>[tile][d][bcPad]</c>, so the score micro-kernel loads key columns as vectors) and
/// values with rows padded to whole vectors, packed once per key/value head before any query tile runs: every query
/// tile and every worker reads the same packed copy. Values already a whole number of vectors wide are used in place.
/// </summary>
internal sealed class PackedInputs<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[]? _keys;
    private readonly T[]? _values;
    private readonly long _keyHeadStride;
    private readonly int _keyTileStride;

    public PackedInputs(CoreProblem<T> p, in TileShape shape)
    {
        int heads = p.Batch * p.KvHeads, tiles = shape.KeyTiles(p.M), bcPad = shape.KeyTilePadded, dvPad = shape.DvPadded;
        if (p.AdditiveV is null)
        {
            _keyTileStride = p.D * bcPad;
            _keyHeadStride = (long)tiles * _keyTileStride;
            _keys = BufferPool.Rent<T>((int)Math.Max(heads * _keyHeadStride, 1));
            for (var head = 0; head < heads; head++)
            {
                for (var t = 0; t < tiles; t++)
                {
                    var j0 = t * shape.KeyTile;
                    PackKeyTile(p.K, (long)head * p.M * p.D, p.D, j0, Math.Min(shape.KeyTile, p.M - j0), bcPad, _keys, (head * _keyHeadStride) + (t * _keyTileStride));
                }
            }
        }

        if (dvPad == p.Dv)
        {
            ValueHeadStride = (long)p.M * p.Dv;
            Values = p.V;
        }
        else
        {
            ValueHeadStride = (long)p.M * dvPad;
            _values = BufferPool.Rent<T>((int)Math.Max(heads * ValueHeadStride, 1));
            for (var row = 0; row < heads * p.M; row++)
            {
                p.V.AsSpan(row * p.Dv, p.Dv).CopyTo(_values.AsSpan(row * dvPad, p.Dv));
                _values.AsSpan((row * dvPad) + p.Dv, dvPad - p.Dv).Clear();
            }

            Values = _values;
        }
    }

    public T[] Keys => _keys ?? throw new InvalidOperationException("additive problems score unpacked keys");

    public T[] Values { get; }

    /// <summary>Elements between the value rows of consecutive key/value heads.</summary>
    public long ValueHeadStride { get; }

    public long KeyTileOffset(int head, int tile) => (head * _keyHeadStride) + (tile * _keyTileStride);

    public void Dispose()
    {
        if (_keys is not null)
        {
            BufferPool.Return(_keys);
        }

        if (_values is not null)
        {
            BufferPool.Return(_values);
        }
    }

    private static void PackKeyTile(T[] k, long kOff, int d, int j0, int cols, int bcPad, T[] kt, long offset)
    {
        ref var src = ref MemoryMarshal.GetArrayDataReference(k);
        ref var dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(kt), (nint)offset);
        for (var c = 0; c < cols; c++)
        {
            ref var keyRow = ref Unsafe.Add(ref src, (nint)(kOff + ((long)(j0 + c) * d)));
            for (var x = 0; x < d; x++)
            {
                Unsafe.Add(ref dst, (x * bcPad) + c) = Unsafe.Add(ref keyRow, x);
            }
        }

        for (var x = 0; cols < bcPad && x < d; x++)
        {
            MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, (x * bcPad) + cols), bcPad - cols).Clear();
        }
    }
}
