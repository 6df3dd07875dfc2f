using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;

namespace AttentionService.Api.Wire;

/// <summary>
/// Answers whose tensors are base64 (<c>encoding: "base64"</c>) are left uncompressed whatever the client accepts: base64
/// of float bits is near its entropy already (gzip's fastest level shrank a 437 KB answer by 1 % and took 10 ms more
/// end to end on loopback). The framework's compression provider is asked as usual for every other answer.
/// </summary>
internal static class DenseAnswers
{
    private static readonly object Key = new();

    /// <summary>Marks the answer being written as dense; call before its first byte.</summary>
    public static void Mark(HttpContext context) => context.Items[Key] = Key;

    internal sealed class CompressionProvider(IServiceProvider services, IOptions<ResponseCompressionOptions> options)
        : ResponseCompressionProvider(services, options)
    {
        public override bool ShouldCompressResponse(HttpContext context) =>
            !context.Items.ContainsKey(Key) && base.ShouldCompressResponse(context);
    }
}
