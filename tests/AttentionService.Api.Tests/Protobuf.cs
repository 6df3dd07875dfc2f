using System.Buffers.Binary;
using System.Text;

namespace AttentionService.Api.Tests;

/// <summary>
/// Just enough of the protobuf wire format to read OTLP exports: a message is a sequence of fields; nested messages,
/// strings and bytes are length-delimited. Field numbers are those of opentelemetry-proto's trace, metrics and common
/// messages.
/// </summary>
public readonly record struct ProtoField(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes)
{
    public string Text => Encoding.UTF8.GetString(Bytes.Span);

    public double AsDouble => BitConverter.Int64BitsToDouble((long)Varint);

    public static IEnumerable<ProtoField> Read(ReadOnlyMemory<byte> message)
    {
        var offset = 0;
        while (offset < message.Length)
        {
            var tag = ReadVarint(message.Span, ref offset);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0:
                    yield return new ProtoField(number, wireType, ReadVarint(message.Span, ref offset), default);
                    break;
                case 1:
                    yield return new ProtoField(number, wireType, BinaryPrimitives.ReadUInt64LittleEndian(message.Span[offset..]), default);
                    offset += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message.Span, ref offset);
                    yield return new ProtoField(number, wireType, 0, message.Slice(offset, length));
                    offset += length;
                    break;
                case 5:
                    yield return new ProtoField(number, wireType, BinaryPrimitives.ReadUInt32LittleEndian(message.Span[offset..]), default);
                    offset += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {wireType} at {offset}");
            }
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int offset)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[offset++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}

/// <summary>Navigation over <see cref="ProtoField"/>s.</summary>
public static class Protobuf
{
    /// <summary>The nested messages at a path of field numbers, such as 1, 2, 2 (resource spans, scope spans, spans).</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> At(ReadOnlyMemory<byte> message, params int[] path)
    {
        IEnumerable<ReadOnlyMemory<byte>> level = [message];
        foreach (var number in path)
        {
            level = level.SelectMany(m => ProtoField.Read(m).Where(f => f.Number == number && f.WireType == 2).Select(f => f.Bytes)).ToList();
        }

        return level;
    }

    /// <summary>KeyValue attributes (key 1, AnyValue 2: string 1, bool 2, int 3, double 4) as text.</summary>
    public static Dictionary<string, string> Attributes(ReadOnlyMemory<byte> message, int field)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var pair in At(message, field))
        {
            var fields = ProtoField.Read(pair).ToList();
            var key = fields.First(f => f.Number == 1).Text;
            var value = ProtoField.Read(fields.First(f => f.Number == 2).Bytes).First();
            attributes[key] = value.Number switch
            {
                1 => value.Text,
                2 => (value.Varint != 0).ToString(),
                3 => ((long)value.Varint).ToString(System.Globalization.CultureInfo.InvariantCulture),
                4 => value.AsDouble.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "?",
            };
        }

        return attributes;
    }
}
