using System.Buffers;
using System.Numerics;

namespace AttentionService.Engine.Kernels;

/// <summary>
/// Keys transposed per key tile (<c>[tile][d][bcPad]</c>, so the score micro-kernel loads key columns as vectors) and
/// values with rows padded to whole vectors, packed once per key/value head before any query tile runs: every query
/// tile and every worker reads the same packed copy. Values already a whole number of vectors wide are used in place.
/// The keys are packed by <see cref="PackKeys"/>, one part (a key tile of one head) per call, so workers share the packing.
/// </summary>
internal sealed class PackedInputs<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[]? _keys;
    private readonly T[]? _values;
    private readonly long _keyHeadStride;
    private readonly int _keyTileStride;
    private readonly CoreProblem<T> _problem;
    private readonly TileShape _shape;

    public PackedInputs(CoreProblem<T> p, in TileShape shape)
    {
        int heads = p.Batch * p.KvHeads, tiles = shape.KeyTiles(p.M), bcPad = shape.KeyTilePadded, dvPad = shape.DvPadded;
        if (p.AdditiveV is null)
        {
            _keyTileStride = p.D * bcPad;
            _keyHeadStride = (long)tiles * _keyTileStride;
            _keys = ArrayPool<T>.Shared.Rent((int)Math.Max(heads * _keyHeadStride, 1));
            KeyParts = heads * tiles;
        }

        _problem = p;
        _shape = shape;

        if (dvPad == p.Dv)
        {
            ValueHeadStride = (long)p.M * p.Dv;
            Values = p.V;
        }
        else
        {
            ValueHeadStride = (long)p.M * dvPad;
            _values = ArrayPool<T>.Shared.Rent((int)Math.Max(heads * ValueHeadStride, 1));
            for (var row = 0; row < heads * p.M; row++)
            {
                p.V.AsSpan(row * p.Dv, p.Dv).CopyTo(_values.AsSpan(row * dvPad, p.Dv));
                _values.AsSpan((row * dvPad) + p.Dv, dvPad - p.Dv).Clear();
            }

            Values = _values;
        }
    }

    /// <summary>Calls of <see cref="PackKeys"/> needed before the keys are read: one per key tile of each head.</summary>
    public int KeyParts { get; }

    /// <summary>Packs key tile <c>part % tiles</c> of key/value head <c>part / tiles</c>.</summary>
    public void PackKeys(int part)
    {
        var p = _problem;
        var tiles = _shape.KeyTiles(p.M);
        int head = part / tiles, t = part % tiles, j0 = t * _shape.KeyTile;
        PackKeyTile(p.K, (long)head * p.M * p.D, p.D, j0, Math.Min(_shape.KeyTile, p.M - j0), _shape.KeyTilePadded, _keys!, (head * _keyHeadStride) + (t * _keyTileStride));
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
            ArrayPool<T>.Shared.Return(_keys);
        }

        if (_values is not null)
        {
            ArrayPool<T>.Shared.Return(_values);
        }
    }

    /// <summary>
    /// Transposes keys <c>[j0, j0 + cols)</c> into <c>[d][bcPad]</c>, 16 keys at a time: their rows (16·d elements) stay
    /// in L1 while each output row receives 16 consecutive elements, a whole cache line, instead of one element per
    /// line per key, which made the transpose cost as much as a tenth of the attention.
    /// </summary>
    private static void PackKeyTile(T[] k, long kOff, int d, int j0, int cols, int bcPad, T[] kt, long offset)
    {
        const int Block = 16;
        var src = k.AsSpan((int)(kOff + ((long)j0 * d)), cols * d);
        var dst = kt.AsSpan((int)offset, d * bcPad);
        for (var c0 = 0; c0 < cols; c0 += Block)
        {
            var width = Math.Min(Block, cols - c0);
            var block = src.Slice(c0 * d, width * d);
            for (var x = 0; x < d; x++)
            {
                var row = dst.Slice((x * bcPad) + c0, width);
                for (var c = 0; c < row.Length; c++)
                {
                    row[c] = block[(c * d) + x];
                }
            }
        }

        for (var x = 0; cols < bcPad && x < d; x++)
        {
            dst.Slice((x * bcPad) + cols, bcPad - cols).Clear();
        }
    }
}
