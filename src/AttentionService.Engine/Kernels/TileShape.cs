namespace AttentionService.Engine.Kernels;

/// <summary>
/// Tile sizes for one problem: query tiles of up to 64 rows (80 when that is all of them) against key tiles of 512 keys. At d = 64 (float) the
/// score tile is 128 KiB and a packed key tile 128 KiB, held in the 1 MiB L2 while the micro-kernels stream them
/// through the 48 KiB L1; a wide key tile amortizes the per-row softmax bookkeeping. Chosen by the benchmark: against
/// 64 x 128 it is 5 % faster at n = m = 2048 on one thread; 16 to 32 rows were no faster on one thread and less
/// steady on two, and 256 or 1024 keys were slower.
/// </summary>
internal readonly record struct TileShape(int QueryTile, int KeyTile, int KeyTilePadded, int DvPadded, int RowBlock)
{
    public const int MaxQueryTile = 64;

    /// <summary>Query rows up to which a problem is one query tile (one above <see cref="MaxQueryTile"/>).</summary>
    public const int SingleTileRows = 80;
    public const int MaxKeyTile = 512;

    /// <summary>Keys per tile when weights are returned: a row this long is one tile, its weights written once, final.</summary>
    public const int MaxWeightsKeyTile = 2048;

    public static TileShape For(int n, int m, int dv, int vectorWidth, int rowBlock, bool weights = false)
    {
        var columnBlock = 2 * vectorWidth;
        // Balanced: 100 rows become two tiles of 56, not 64 and a mostly padded 40. Up to SingleTileRows rows are one
        // tile, so that few queries (77) score and weigh each key tile once, not twice at half the reuse.
        var tiles = n <= SingleTileRows ? 1 : (n + MaxQueryTile - 1) / MaxQueryTile;
        var queryTile = RoundUp((n + tiles - 1) / tiles, rowBlock);
        var keyTile = Math.Min(weights && m <= MaxWeightsKeyTile ? MaxWeightsKeyTile : MaxKeyTile, m);
        // The row stride of score tiles and packed key tiles: a multiple of 128 elements (512 B or more) would put the
        // rows a micro-kernel walks at once into a few cache sets of L1 (64 sets of 64 B), which then evicts them; one
        // more column block spreads them. The micro-kernels compute only the tile's own columns, not this padding.
        var keyStride = RoundUp(keyTile, columnBlock);
        keyStride += keyStride % 128 == 0 ? columnBlock : 0;
        return new TileShape(queryTile, keyTile, keyStride, RoundUp(dv, vectorWidth), rowBlock);
    }

    /// <summary>The shape on the widest path, which pads the most: what the size limits must assume.</summary>
    public static TileShape Widest(int n, int m, int dv) => For(n, m, dv, KernelPaths.WidestFloatLanes, MicroKernelRowBlock);

    /// <summary>Query rows per score micro-kernel, on every path.</summary>
    public const int MicroKernelRowBlock = 8;

    public int RowsPadded(int rows) => RoundUp(rows, RowBlock);

    public int KeyTiles(int m) => (m + KeyTile - 1) / KeyTile;

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
