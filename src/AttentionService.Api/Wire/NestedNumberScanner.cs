using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// What scanning one nested number array gave: the elements in a pooled flat buffer with their shape, or why not.
/// A <see cref="SyntaxError"/> is a 400 (not JSON, a string or null where a number belongs, nesting deeper than 4);
/// a <see cref="DefectMessage"/> at <see cref="DefectPath"/> is a 422 (ragged, mixed depths, a number beyond double).
/// </summary>
public sealed class NestedNumbers : IDisposable
{
    internal NestedNumbers(TensorData<double>? data, int consumed, string? syntaxError, string? defectPath, string? defectMessage, Float32Fixups? fixups)
    {
        Data = data;
        Consumed = consumed;
        SyntaxError = syntaxError;
        DefectPath = defectPath;
        DefectMessage = defectMessage;
        Fixups = fixups;
    }

    /// <summary>The elements and shape (owned: disposed with this object unless taken by <see cref="TakeData"/>).</summary>
    public TensorData<double>? Data { get; private set; }

    /// <summary>The bytes the array spans, from its <c>[</c> to its <c>]</c> inclusive.</summary>
    public int Consumed { get; }

    /// <summary>Why the text is not a nested array of JSON numbers (400).</summary>
    public string? SyntaxError { get; }

    /// <summary>The index path of the first defect inside the field, e.g. <c>[1]</c>.</summary>
    public string? DefectPath { get; }

    /// <summary>What is wrong there (422).</summary>
    public string? DefectMessage { get; }

    /// <summary>The elements whose float32 value is not the double's rounded once more (see <see cref="Float32Fixups"/>).</summary>
    public Float32Fixups? Fixups { get; }

    /// <summary>Hands the buffer over to the caller.</summary>
    public TensorData<double>? TakeData()
    {
        var data = Data;
        Data = null;
        return data;
    }

    /// <summary>Returns the buffer to the pool unless it was taken.</summary>
    public void Dispose() => Data?.Dispose();
}

/// <summary>
/// Reads a nested JSON array of numbers (rank 1 to 4) straight from its UTF-8 bytes into a pooled flat buffer: one
/// pass over the bytes, numbers parsed in place by <see cref="JsonNumber"/>, no tokens. It keeps the refusals of the
/// reader it replaces: the wrong JSON type or depth &gt; 4 is a syntax error, a ragged array or a non-finite number a
/// defect, found after the whole value has been checked as JSON.
/// </summary>
public static class NestedNumberScanner
{
    /// <summary>The deepest nesting of a tensor.</summary>
    public const int MaxRank = 4;

    /// <summary>Scans the array at the start of <paramref name="json"/> (which must begin with <c>[</c>).</summary>
    public static NestedNumbers Scan(ReadOnlySpan<byte> json)
    {
        Span<int> shape = stackalloc int[MaxRank + 1];   // shape[k]: element count of every array at depth k + 1 (-1 until known)
        Span<int> counts = stackalloc int[MaxRank + 1];  // elements seen so far in the open array at each depth
        shape.Fill(-1);
        counts.Clear();
        var buffer = ArrayPool<double>.Shared.Rent(Math.Clamp(json.Length / 16, 64, 1 << 20));
        Float32Fixups? fixups = null;
        int length = 0, depth = 1, leafDepth = -1, maxDepth = 1, pos = 1;
        string? defectPath = null, defectMessage = null;
        try
        {
            // Expecting a value or, right after '[', the end of the array.
            var justOpened = true;
            while (true)
            {
                pos = SkipWhitespace(json, pos);
                if (pos >= json.Length)
                {
                    return Syntax("the tensor ends before its arrays are closed");
                }

                var b = json[pos];
                if (b == '[')
                {
                    if (depth >= MaxRank)
                    {
                        return Syntax($"tensors are nested at most {MaxRank} deep; this one is nested deeper");
                    }

                    if (defectPath is null && leafDepth >= 0 && depth >= leafDepth)
                    {
                        (defectPath, defectMessage) = (TensorJsonReader.PathOf(counts, depth), "is an array where numbers are expected, as elsewhere at this depth");
                    }

                    counts[depth - 1]++;
                    counts[depth] = 0;
                    depth++;
                    maxDepth = Math.Max(maxDepth, depth);
                    pos++;
                    justOpened = true;
                    continue;
                }

                if (b == ']' && justOpened)
                {
                    // An empty array: closed below with the others.
                }
                else if (IsNumberStart(b))
                {
                    // A run of numbers joined by commas, the bulk of any tensor, stays in this loop rather than going
                    // through the whitespace and bracket checks for every element. JsonNumber.ParseRun reads the run;
                    // what it leaves (errors, infinities, float32 midpoints, the last bytes, numbers after a defect) is
                    // read one at a time below.
                    while (true)
                    {
                        if (defectPath is null && (leafDepth < 0 || leafDepth == depth))
                        {
                            if (length == buffer.Length)
                            {
                                Grow(ref buffer, length);
                            }

                            var stored = JsonNumber.ParseRun(json, ref pos, buffer.AsSpan(length), out var atNumber);
                            if (stored > 0)
                            {
                                leafDepth = depth;
                                counts[depth - 1] += stored;
                                length += stored;
                            }

                            if (!atNumber)
                            {
                                break; // the run ended after the last number it stored
                            }
                        }

                        var read = JsonNumber.Parse(json[pos..], out double value);
                        if (read == 0)
                        {
                            return Syntax($"{Describe(json[pos..])} at {TensorJsonReader.PathOf(counts, depth)} is not a JSON number");
                        }

                        if (leafDepth < 0)
                        {
                            leafDepth = depth;
                        }
                        else if (leafDepth != depth && defectPath is null)
                        {
                            (defectPath, defectMessage) = (TensorJsonReader.PathOf(counts, depth), "is one of the numbers where arrays are expected, as elsewhere at this depth");
                        }

                        if (!double.IsFinite(value) && defectPath is null)
                        {
                            (defectPath, defectMessage) = (TensorJsonReader.PathOf(counts, depth), $"{Encoding.UTF8.GetString(json.Slice(pos, read))} is not a finite number");
                        }

                        counts[depth - 1]++;
                        if (defectPath is null)
                        {
                            if (length == buffer.Length)
                            {
                                Grow(ref buffer, length);
                            }

                            buffer[length] = value;
                            if (Float32Fixups.IsMidpoint(value))
                            {
                                JsonNumber.Parse(json.Slice(pos, read), out float single);
                                (fixups ??= new Float32Fixups()).Add(length, single);
                            }

                            length++;
                        }

                        pos += read;
                        var next = JsonNumber.NextInRun(json, pos);
                        if (next < 0)
                        {
                            break;
                        }

                        pos = next;
                    }
                }
                else
                {
                    return Syntax($"expected numbers, found {Describe(json[pos..])} at {TensorJsonReader.PathOf(counts, depth)}");
                }

                // After a value (or at the ']' of an empty array): ',' for the next one, or ']' closing arrays.
                while (true)
                {
                    pos = SkipWhitespace(json, pos);
                    justOpened = false;
                    if (pos >= json.Length)
                    {
                        return Syntax("the tensor ends before its arrays are closed");
                    }

                    if (json[pos] == ',')
                    {
                        pos++;
                        break;
                    }

                    if (json[pos] != ']')
                    {
                        return Syntax($"expected ',' or ']' after an element at {TensorJsonReader.PathOf(counts, depth)}, found {Describe(json[pos..])}");
                    }

                    var count = counts[depth - 1];
                    if (shape[depth - 1] < 0)
                    {
                        shape[depth - 1] = count;
                    }
                    else if (shape[depth - 1] != count && defectPath is null)
                    {
                        (defectPath, defectMessage) = (TensorJsonReader.ParentPath(counts, depth), $"has {count} elements but the arrays before it at this depth have {shape[depth - 1]}; tensors must be rectangular");
                    }

                    depth--;
                    pos++;
                    if (depth == 0)
                    {
                        return Finish(pos, shape);
                    }
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<double>.Shared.Return(buffer);
            }
        }

        NestedNumbers Syntax(string message) => new(null, pos, message, null, null, null);

        NestedNumbers Finish(int consumed, ReadOnlySpan<int> shape)
        {
            if (defectPath is not null)
            {
                return new NestedNumbers(null, consumed, null, defectPath, defectMessage, null);
            }

            var rank = leafDepth > 0 ? leafDepth : maxDepth;
            var dims = shape[..rank].ToArray();
            for (var k = 0; k < dims.Length; k++)
            {
                dims[k] = Math.Max(dims[k], 0);
            }

            var data = TensorData.FromPooled(buffer, dims, length);
            buffer = null!;
            return new NestedNumbers(data, consumed, null, null, null, fixups);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsNumberStart(byte b) => b == '-' || (uint)(b - '0') <= 9;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> json, int pos)
    {
        while (pos < json.Length && json[pos] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            pos++;
        }

        return pos;
    }

    private static void Grow(ref double[] buffer, int length)
    {
        var larger = ArrayPool<double>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<double>.Shared.Return(buffer);
        buffer = larger;
    }

    /// <summary>Names what starts here, as the JSON reader's messages do.</summary>
    private static string Describe(ReadOnlySpan<byte> json) => json.IsEmpty ? "the end of the body" : json[0] switch
    {
        (byte)'"' => "a string",
        (byte)'n' => "null",
        (byte)'t' or (byte)'f' => "a boolean",
        (byte)'{' => "an object",
        _ => $"'{Encoding.UTF8.GetString(json[..Math.Min(json.Length, 12)])}'",
    };
}
