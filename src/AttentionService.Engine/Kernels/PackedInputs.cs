using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Values with rows padded to whole vectors, packed once per key/value head before any query tile runs: every query
/// tile and every worker reads the same packed copy. Values already a whole number of vectors wide are used in place.
/// Keys are packed per worker (<see cref="KeyTiles{T}"/>), whose tiles come from the pool.
/// </summary>
internal sealed class PackedInputs<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[]? _values;

    public PackedInputs(CoreProblem<T> p, in TileShape shape)
    {
        int heads = p.Batch * p.KvHeads, dvPad = shape.DvPadded;
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

    public T[] Values { get; }

    /// <summary>Elements between the value rows of consecutive key/value heads.</summary>
    public long ValueHeadStride { get; }

    public void Dispose()
    {
        if (_values is not null)
        {
            BufferPool.Return(_values);
        }
    }
}

/// <summary>
/// One worker's keys, transposed per key tile (<c>[d][bcPad]</c>, so the score micro-kernel loads key columns as
/// vectors) for the key/value head it is working on, each tile packed when first asked for. Packing every head up
/// front took one array of heads·m·d elements per request (8.9 MiB at 1,8,77,4096,64), past the pool's limit: a fresh
/// allocation whose page faults and collections cost as much as the attention. A tile is d·bcPad elements (278 KiB at
/// d = 128) and pooled; work items come in head order, so a worker packs each head about once.
/// </summary>
internal sealed class KeyTiles<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[]?[] _tiles;
    private readonly bool[] _packed;
    private readonly T[] _largest;
    private int _head = -1;

    public KeyTiles(int tiles) => (_tiles, _packed, _largest) = (new T[]?[tiles], new bool[tiles], new T[tiles]);

    /// <summary>The largest magnitude in tile <paramref name="t"/> as last packed, for the overflow bound of plain scores.</summary>
    public T Largest(int t) => _largest[t];

    /// <summary>Key tile <paramref name="t"/> of key/value head <paramref name="kvHead"/>, packed (its largest magnitude in <see cref="Largest"/>).</summary>
    public T[] Tile(CoreProblem<T> p, in TileShape shape, int kvHead, int t)
    {
        if (kvHead != _head)
        {
            Array.Clear(_packed);
            _head = kvHead;
        }

        var tile = _tiles[t] ??= BufferPool.Rent<T>(p.D * shape.KeyTilePadded);
        if (!_packed[t])
        {
            var j0 = t * shape.KeyTile;
            _largest[t] = PackKeyTile(p.K, (long)kvHead * p.M * p.D, p.D, j0, Math.Min(shape.KeyTile, p.M - j0), shape.KeyTilePadded, tile);
            _packed[t] = true;
        }

        return tile;
    }

    public void Dispose()
    {
        foreach (var tile in _tiles)
        {
            if (tile is not null)
            {
                BufferPool.Return(tile);
            }
        }
    }

    /// <summary>
    /// Transposes keys <c>[j0, j0 + cols)</c> into <c>[d][bcPad]</c>, 16 keys at a time: their rows (16·d elements) stay
    /// in L1 while each output row receives 16 consecutive elements, a whole cache line, instead of one element per
    /// line per key, which made the transpose cost as much as a tenth of the attention. Float keys a whole number of
    /// vectors wide go through <see cref="KeyTranspose"/>, in registers. Returns the largest magnitude of the keys
    /// (found on the way, while they are in registers or L1), for the overflow bound of plain scores.
    /// </summary>
    private static T PackKeyTile(T[] k, long kOff, int d, int j0, int cols, int bcPad, T[] kt)
    {
        const int Block = 16;
        var src = k.AsSpan((int)(kOff + ((long)j0 * d)), cols * d);
        var dst = kt.AsSpan(0, d * bcPad);
        var c0 = 0;
        var largest = T.Zero;
        if (typeof(T) == typeof(float) && KeyTranspose.Supports(d))
        {
            var lanes = Vector512<float>.Zero;
            for (; c0 + Block <= cols; c0 += Block)
            {
                KeyTranspose.Block16(MemoryMarshal.Cast<T, float>(src), MemoryMarshal.Cast<T, float>(dst), c0, d, bcPad, ref lanes);
            }

            largest = T.CreateTruncating(Simd512<float>.MaxAcross(lanes));
        }

        for (; c0 < cols; c0 += Block)
        {
            var width = Math.Min(Block, cols - c0);
            var block = src.Slice(c0 * d, width * d);
            for (var x = 0; x < d; x++)
            {
                var row = dst.Slice((x * bcPad) + c0, width);
                for (var c = 0; c < row.Length; c++)
                {
                    var value = block[(c * d) + x];
                    row[c] = value;
                    largest = T.Max(largest, T.Abs(value));
                }
            }
        }

        for (var x = 0; cols < bcPad && x < d; x++)
        {
            dst.Slice((x * bcPad) + cols, bcPad - cols).Clear();
        }

        return largest;
    }
}
