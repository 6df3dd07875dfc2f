namespace AttentionService.Api.Wire;

/// <summary>The form of the tensors in an answer.</summary>
public enum TensorEncoding
{
    /// <summary>Nested JSON arrays of numbers (the default).</summary>
    Nested,

    /// <summary>Tensor objects: <c>{"dtype", "shape", "data": base64}</c> of the request's precision.</summary>
    Base64,
}
