using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace AttentionService.Api.Wire;

/// <summary>
/// Lets a <see cref="System.Text.Json.Serialization.JsonConverter{T}"/> hand a nested number array to
/// <see cref="NestedNumberScanner"/> instead of tokenizing it. When the reader sits on a contiguous, complete body (how
/// the service deserializes), the scanner reads the bytes in place and the reader is resumed at the array's closing
/// bracket from its own state, so the serializer sees an ordinary array value (with the body offsets it had before,
/// which the serializer records for members it reads out of order). Two private fields of the reader are reached for
/// that (its buffer and its consumed-bytes base); a runtime without them falls back to copying. Otherwise (a stream, a sequence) the
/// value's text is copied out first.
/// </summary>
public static class ReaderBridge
{
    private static readonly bool s_inPlace = ReaderFieldsExist();

    /// <summary>Scans the array the reader is on (<see cref="JsonTokenType.StartArray"/>) and leaves the reader on its end.</summary>
    /// <exception cref="JsonException">The value is not an array of arrays of numbers (a 400).</exception>
    public static NestedNumbers ReadNumbers(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"expected an array of arrays of numbers or a tensor object, found {Describe(reader.TokenType)}");
        }

        if (s_inPlace && !reader.HasValueSequence && reader.IsFinalBlock && TryRemaining(ref reader, out var json))
        {
            var scanned = NestedNumberScanner.Scan(json);
            if (scanned.SyntaxError is { } syntax)
            {
                throw new JsonException(syntax);
            }

            // Resume as if the array had been read token by token: the state after '[' followed by its ']'.
            // (The reader's buffer is the caller's body, which outlives this call; the compiler cannot see that.)
            var state = reader.CurrentState;
            var rest = json[(scanned.Consumed - 1)..];
            var restStart = reader.BytesConsumed + scanned.Consumed - 2;
            reader = new Utf8JsonReader(MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetReference(rest), rest.Length), isFinalBlock: true, state);

            // BytesConsumed stays an offset into the whole body: the serializer records it to re-read some members later.
            TotalConsumedOf(ref reader) = restStart;
            reader.Read();
            return scanned;
        }

        using var document = JsonDocument.ParseValue(ref reader);
        var copy = Encoding.UTF8.GetBytes(document.RootElement.GetRawText());
        var fromCopy = NestedNumberScanner.Scan(copy);
        return fromCopy.SyntaxError is { } error ? throw new JsonException(error) : fromCopy;
    }

    /// <summary>The bytes from the current token to the end of the reader's buffer.</summary>
    private static bool TryRemaining(ref Utf8JsonReader reader, out ReadOnlySpan<byte> json)
    {
        var buffer = BufferOf(ref reader);
        var offset = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(buffer), ref MemoryMarshal.GetReference(reader.ValueSpan));
        json = offset >= 0 && offset < buffer.Length ? buffer[(int)offset..] : default;
        return json.Length > 0 && json[0] == '[';
    }

    /// <summary>Whether this runtime's reader has the fields the in-place path uses; otherwise values are copied out.</summary>
    private static bool ReaderFieldsExist()
    {
        try
        {
            var probe = new Utf8JsonReader("[]"u8);
            return BufferOf(ref probe).Length == 2 && TotalConsumedOf(ref probe) == 0;
        }
        catch (MissingFieldException)
        {
            return false;
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_buffer")]
    private static extern ref ReadOnlySpan<byte> BufferOf(ref Utf8JsonReader reader);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_totalConsumed")]
    private static extern ref long TotalConsumedOf(ref Utf8JsonReader reader);

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Null => "null",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Number => "a number",
        JsonTokenType.StartObject => "an object",
        _ => token.ToString(),
    };
}
