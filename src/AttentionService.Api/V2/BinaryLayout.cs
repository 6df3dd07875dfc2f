using System.Text.Json;

namespace AttentionService.Api.V2;

/// <summary>Checks a binary input's size against its shape and datatype before any of its bytes are read.</summary>
internal static class BinaryLayout
{
    public static bool TryCheck(RequestInput input, JsonElement size, out Datatype datatype, out long bytes, out string? refusal)
    {
        bytes = 0;
        refusal = null;
        if (!Datatypes.TryParse(input.Datatype, out datatype))
        {
            refusal = $"has datatype '{input.Datatype}'; these models take FP32, FP64, BOOL, INT32 and INT64";
            return false;
        }

        if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out bytes) || bytes < 0)
        {
            refusal = $"binary_data_size must be a byte count; it is {size.GetRawText()}";
            return false;
        }

        if (input.Data is not null)
        {
            refusal = "has both data and binary_data_size; send its elements one way";
            return false;
        }

        if (!TensorShapes.TryCount(input.Shape, out var elements, out refusal))
        {
            return false;
        }

        var needed = elements * Datatypes.SizeOf(datatype);
        if (needed != bytes)
        {
            refusal = $"has binary_data_size {bytes} but shape {TensorShapes.Format(input.Shape)} of {input.Datatype} needs {needed} bytes";
            return false;
        }

        return true;
    }
}
