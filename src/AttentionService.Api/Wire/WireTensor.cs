using System.Text.Json.Serialization;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// A tensor as it arrived on the wire: its elements in a flat pooled buffer and its shape, or, when the JSON was
/// well-formed but not a usable tensor (ragged, numbers out of range, a byte count that does not fit the shape), a
/// <see cref="Defect"/> to answer 422 with.
/// </summary>
public abstract class WireTensor : IDisposable
{
    private protected WireTensor(TensorDefect? defect) => Defect = defect;

    /// <summary>Why the tensor cannot be used, relative to the field (<c>[1]</c> means its second row).</summary>
    public TensorDefect? Defect { get; }

    /// <summary>The dimensions, outermost first; <c>null</c> when <see cref="Defect"/> is set.</summary>
    public abstract int[]? Shape { get; }

    /// <summary>Returns the buffers to the pool.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA1816", Justification = "No finalizer exists or can be added: the constructor is private protected and the derived types are sealed.")]
    public void Dispose()
    {
        Release();
    }

    private protected abstract void Release();
}

/// <summary>
/// A tensor of numbers: nested arrays of JSON numbers (read as doubles, with the <see cref="Float32Fixups"/> that make
/// narrowing exact), or a tensor object whose base64 data is kept in its own dtype until the precision is known.
/// </summary>
[JsonConverter(typeof(NumberTensorConverter))]
public sealed class NumberTensor : WireTensor
{
    internal NumberTensor(TensorData<double>? doubles, TensorData<float>? floats, Float32Fixups? fixups, TensorDefect? defect)
        : base(defect)
    {
        Doubles = doubles;
        Floats = floats;
        Fixups = fixups;
    }

    /// <summary>The elements when they came as nested numbers or as a float64 tensor object.</summary>
    public TensorData<double>? Doubles { get; }

    /// <summary>The elements when they came as a float32 tensor object.</summary>
    public TensorData<float>? Floats { get; }

    /// <summary>The nested elements whose float32 value needs a direct parse (see <see cref="Float32Fixups"/>).</summary>
    public Float32Fixups? Fixups { get; }

    /// <inheritdoc/>
    public override int[]? Shape => Doubles?.ShapeArray() ?? Floats?.ShapeArray();

    private protected override void Release()
    {
        Doubles?.Dispose();
        Floats?.Dispose();
    }
}

/// <summary>A tensor of booleans: nested arrays of <c>true</c>/<c>false</c>, or a tensor object of dtype <c>bool</c>.</summary>
[JsonConverter(typeof(BoolTensorConverter))]
public sealed class BoolTensor : WireTensor
{
    internal BoolTensor(TensorData<bool>? data, TensorDefect? defect)
        : base(defect) => Data = data;

    /// <summary>The elements and shape; <c>null</c> when <see cref="WireTensor.Defect"/> is set.</summary>
    public TensorData<bool>? Data { get; }

    /// <inheritdoc/>
    public override int[]? Shape => Data?.ShapeArray();

    private protected override void Release() => Data?.Dispose();
}
