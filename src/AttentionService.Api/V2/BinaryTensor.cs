using System.Runtime.InteropServices;
using AttentionService.Engine;

namespace AttentionService.Api.V2;

/// <summary>The V2 datatypes the models take, with their element sizes.</summary>
internal enum Datatype
{
    FP32,
    FP64,
    BOOL,
    INT32,
    INT64,
}

internal static class Datatypes
{
    public static bool TryParse(string name, out Datatype datatype) =>
        Enum.TryParse(name, ignoreCase: false, out datatype) && Enum.IsDefined(datatype) && name == datatype.ToString();

    public static int SizeOf(Datatype datatype) => datatype switch
    {
        Datatype.FP64 or Datatype.INT64 => 8,
        Datatype.BOOL => 1,
        _ => 4,
    };

    public static string Of(Precision precision) => precision == Precision.Float64 ? "FP64" : "FP32";
}

/// <summary>
/// A tensor sent in binary: its bytes read from the request body straight into a pooled buffer of its element type,
/// which the problem then uses as is when its datatype is the precision.
/// </summary>
internal abstract class BinaryTensor : IDisposable
{
    public abstract Datatype Datatype { get; }

    /// <summary>The tensor's memory, to read the body into.</summary>
    public abstract Span<byte> Bytes { get; }

    public abstract void Dispose();

    public static BinaryTensor Rent(Datatype datatype, int[] shape) => datatype switch
    {
        Datatype.FP32 => new Of<float>(datatype, TensorData.Rent<float>(shape)),
        Datatype.FP64 => new Of<double>(datatype, TensorData.Rent<double>(shape)),
        Datatype.BOOL => new Of<bool>(datatype, TensorData.Rent<bool>(shape)),
        Datatype.INT32 => new Of<int>(datatype, TensorData.Rent<int>(shape)),
        _ => new Of<long>(datatype, TensorData.Rent<long>(shape)),
    };

    internal sealed class Of<TElement>(Datatype datatype, TensorData<TElement> data) : BinaryTensor where TElement : unmanaged
    {
        public override Datatype Datatype => datatype;

        public TensorData<TElement> Data => data;

        public override Span<byte> Bytes => MemoryMarshal.AsBytes(data.Span);

        public override void Dispose() => data.Dispose();
    }
}
