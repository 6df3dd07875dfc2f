using System.Text;
using System.Text.Json;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// Reads nested JSON arrays straight into a flat pooled buffer and a shape, in one pass over the tokens and with no
/// jagged arrays on the way. Wrong JSON types (strings, null, objects) and nesting deeper than
/// <see cref="MaxRank"/> are JSON errors (400); well-formed input that is not rectangular, or whose numbers are not
/// finite, becomes a <see cref="TensorDefect"/> (422) after the value has been read to its end.
/// </summary>
internal static class TensorJsonReader
{
    public const int MaxRank = 4;

    public delegate bool LeafReader<TElement>(ref Utf8JsonReader reader, out TElement value, out string? problem);

    public static (TensorData<TElement>? Data, TensorDefect? Defect) Read<TElement>(ref Utf8JsonReader reader, string leafName, LeafReader<TElement> readLeaf)
        where TElement : unmanaged
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"expected an array of arrays of {leafName}, found {Describe(reader.TokenType)}");
        }

        Span<int> shape = stackalloc int[MaxRank + 1];   // shape[k]: element count of every array at depth k + 1 (-1 until known)
        Span<int> counts = stackalloc int[MaxRank + 1];  // elements seen so far in the open array at each depth
        shape.Fill(-1);
        var buffer = BufferPool.Rent<TElement>(256);
        int length = 0, depth = 1, leafDepth = -1, maxDepth = 1;
        counts[0] = 0;
        TensorDefect? defect = null;
        try
        {
            while (depth > 0)
            {
                if (!reader.Read())
                {
                    throw new JsonException("the tensor ends before its arrays are closed");
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray:
                        if (depth >= MaxRank)
                        {
                            throw new JsonException($"tensors are nested at most {MaxRank} deep; this one is nested deeper");
                        }

                        if (defect is null && leafDepth >= 0 && depth >= leafDepth)
                        {
                            defect = new TensorDefect(PathOf(counts, depth), $"is an array where {leafName} are expected, as elsewhere at this depth");
                        }

                        counts[depth - 1]++;
                        counts[depth] = 0;
                        depth++;
                        maxDepth = Math.Max(maxDepth, depth);
                        break;

                    case JsonTokenType.EndArray:
                        var count = counts[depth - 1];
                        if (shape[depth - 1] < 0)
                        {
                            shape[depth - 1] = count;
                        }
                        else if (shape[depth - 1] != count && defect is null)
                        {
                            defect = new TensorDefect(ParentPath(counts, depth), $"has {count} elements but the arrays before it at this depth have {shape[depth - 1]}; tensors must be rectangular");
                        }

                        depth--;
                        break;

                    default:
                        if (leafDepth < 0)
                        {
                            leafDepth = depth;
                        }
                        else if (leafDepth != depth && defect is null)
                        {
                            defect = new TensorDefect(PathOf(counts, depth), $"is one of the {leafName} where arrays are expected, as elsewhere at this depth");
                        }

                        if (!readLeaf(ref reader, out var value, out var problem))
                        {
                            if (problem is null)
                            {
                                throw new JsonException($"expected {leafName}, found {Describe(reader.TokenType)} at {PathOf(counts, depth)}");
                            }

                            defect ??= new TensorDefect(PathOf(counts, depth), problem);
                        }

                        counts[depth - 1]++;
                        if (defect is null)
                        {
                            if (length == buffer.Length)
                            {
                                var larger = BufferPool.Rent<TElement>(buffer.Length * 2);
                                buffer.AsSpan(0, length).CopyTo(larger);
                                BufferPool.Return(buffer);
                                buffer = larger;
                            }

                            buffer[length++] = value;
                        }

                        break;
                }
            }

            if (defect is not null)
            {
                return (null, defect);
            }

            var rank = leafDepth > 0 ? leafDepth : maxDepth;
            var dims = shape[..rank].ToArray();
            for (var k = 0; k < dims.Length; k++)
            {
                dims[k] = Math.Max(dims[k], 0);
            }

            var data = TensorData.FromPooled(buffer, dims, length);
            buffer = null!;
            return (data, null);
        }
        finally
        {
            if (buffer is not null)
            {
                BufferPool.Return(buffer);
            }
        }
    }

    /// <summary>The index path of the element being read: <c>[i][j]</c> over the open arrays.</summary>
    internal static string PathOf(ReadOnlySpan<int> counts, int depth)
    {
        var path = new StringBuilder();
        for (var k = 0; k < depth; k++)
        {
            path.Append('[').Append(counts[k] - (k < depth - 1 ? 1 : 0)).Append(']');
        }

        return path.ToString();
    }

    /// <summary>The index path of the array being closed (every open index is one past the element it is in).</summary>
    internal static string ParentPath(ReadOnlySpan<int> counts, int depth)
    {
        var path = new StringBuilder();
        for (var k = 0; k < depth - 1; k++)
        {
            path.Append('[').Append(counts[k] - 1).Append(']');
        }

        return path.ToString();
    }

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Null => "null",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Number => "a number",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };
}
