using System.Text.Json.Serialization;
using AttentionService.Engine;

namespace AttentionService.Api.Wire;

/// <summary>
/// A tensor as it arrived on the wire: its elements in a flat pooled buffer and its shape, or, when the JSON was
/// well-formed but not rectangular or held numbers out of range, a <see cref="Defect"/> to answer 422 with.
/// </summary>
public abstract class WireTensor<TElement> : IDisposable where TElement : unmanaged
{
    private protected WireTensor(TensorData<TElement>? data, TensorDefect? defect)
    {
        Data = data;
        Defect = defect;
    }

    /// <summary>The elements and shape; <c>null</c> when <see cref="Defect"/> is set.</summary>
    public TensorData<TElement>? Data { get; }

    /// <summary>Why the tensor cannot be used, relative to the field (<c>[1]</c> means its second row).</summary>
    public TensorDefect? Defect { get; }

    /// <summary>Returns the buffer to the pool.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA1816", Justification = "No finalizer exists or can be added: the constructor is private protected and both derived types are sealed.")]
    public void Dispose()
    {
        Data?.Dispose();
    }
}

/// <summary>A tensor of numbers (nested arrays of JSON numbers).</summary>
[JsonConverter(typeof(NumberTensorConverter))]
public sealed class NumberTensor : WireTensor<double>
{
    internal NumberTensor(TensorData<double>? data, TensorDefect? defect)
        : base(data, defect)
    {
    }
}

/// <summary>A tensor of booleans (nested arrays of <c>true</c>/<c>false</c>).</summary>
[JsonConverter(typeof(BoolTensorConverter))]
public sealed class BoolTensor : WireTensor<bool>
{
    internal BoolTensor(TensorData<bool>? data, TensorDefect? defect)
        : base(data, defect)
    {
    }
}
