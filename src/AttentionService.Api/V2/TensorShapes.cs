namespace AttentionService.Api.V2;

/// <summary>Shapes as the protocol sends them.</summary>
internal static class TensorShapes
{
    public static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The element count of a shape with no negative dimension and at most <see cref="Array.MaxLength"/> elements.</summary>
    public static bool TryCount(int[] shape, out long count, out string? refusal)
    {
        count = 1;
        refusal = null;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                refusal = $"has shape {Format(shape)}; dimensions must be >= 0";
                return false;
            }

            count *= dim;
            if (count > Array.MaxLength)
            {
                refusal = $"has shape {Format(shape)}, too many elements for one tensor";
                return false;
            }
        }

        return true;
    }
}
