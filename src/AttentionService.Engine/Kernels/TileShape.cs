namespace AttentionService.Engine.Kernels;

/// <summary>
/// Tile sizes for one problem. A query tile of up to 64 rows and a key tile of 128 keys keep the scaled queries,
/// the packed keys and values and the score tile (about 32 KiB each at d = 64, float) in the 1 MiB L2 with the
/// hot rows in the 48 KiB L1.
/// </summary>
internal readonly record struct TileShape(int QueryTile, int KeyTile, int KeyTilePadded, int DvPadded, int RowBlock)
{
    public const int MaxQueryTile = 64;
    public const int MaxKeyTile = 128;

    public static TileShape For(int n, int m, int dv, int vectorWidth, int rowBlock)
    {
        var columnBlock = 2 * vectorWidth;
        // Balanced: 77 rows become two tiles of 40, not 64 and a mostly padded 16.
        var tiles = (n + MaxQueryTile - 1) / MaxQueryTile;
        var queryTile = RoundUp((n + tiles - 1) / tiles, rowBlock);
        var keyTile = Math.Min(MaxKeyTile, m);
        return new TileShape(queryTile, keyTile, RoundUp(keyTile, columnBlock), RoundUp(dv, vectorWidth), rowBlock);
    }

    public int RowsPadded(int rows) => RoundUp(rows, RowBlock);

    public int KeyTiles(int m) => (m + KeyTile - 1) / KeyTile;

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
