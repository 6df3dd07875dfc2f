using System.Buffers;
using System.Buffers.Text;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AttentionService.Api.Wire;

/// <summary>
/// The <c>data</c> of a tensor object: standard base64 (RFC 4648 §4, padded) of the elements, row-major and
/// little-endian, which is what numpy's <c>tobytes()</c> and a JavaScript typed array hold. Decoding writes straight into
/// the destination buffer's bytes; the length is checked against the shape before anything is allocated.
/// </summary>
public static class Base64Tensor
{
    static Base64Tensor()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("tensor objects are little-endian; this machine is not");
        }
    }

    /// <summary>The byte count that <paramref name="base64"/> decodes to, or -1 when it is not padded standard base64.</summary>
    public static long DecodedLength(ReadOnlySpan<byte> base64) =>
        base64.Length % 4 == 0 && Base64.IsValid(base64, out var length) && base64.IndexOfAny(" \t\r\n"u8) < 0 ? length : -1;

    /// <summary>Decodes into <paramref name="destination"/>, whose byte size must be the decoded length; false for text that is not base64.</summary>
    public static bool TryDecode<T>(ReadOnlySpan<byte> base64, Span<T> destination) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(destination);
        var status = Base64.DecodeFromUtf8(base64, bytes, out var consumed, out var written);
        return status == OperationStatus.Done && consumed == base64.Length && written == bytes.Length;
    }

    /// <summary>The base64 length of <paramref name="count"/> elements of <typeparamref name="T"/>.</summary>
    public static long EncodedLength<T>(long count) where T : unmanaged => (count * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() + 2) / 3 * 4;

    /// <summary>Encodes <paramref name="values"/> into <paramref name="destination"/> (at least <see cref="EncodedLength{T}"/> bytes); returns the bytes written.</summary>
    public static int Encode<T>(ReadOnlySpan<T> values, Span<byte> destination) where T : unmanaged
    {
        Base64.EncodeToUtf8(MemoryMarshal.AsBytes(values), destination, out _, out var written);
        return written;
    }

    /// <summary>The index of the first NaN or infinity, or -1.</summary>
    public static int FirstNonFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (values.IsEmpty || TensorPrimitives.IsFiniteAll(values))
        {
            return -1;
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The index of the first byte of a bool tensor that is neither 0 nor 1, or -1.</summary>
    public static int FirstNonBoolean(ReadOnlySpan<byte> values)
    {
        var i = values.IndexOfAnyExcept((byte)0, (byte)1);
        return i;
    }
}
