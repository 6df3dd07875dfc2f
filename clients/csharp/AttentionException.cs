using System.Net;
using System.Text.Json;

namespace AttentionService.Client;

/// <summary>A refusal of the service, carrying its problem details (RFC 9457).</summary>
public sealed class AttentionException : Exception
{
    /// <summary>Creates the exception from an answer's status and body.</summary>
    public AttentionException(HttpStatusCode status, string body)
        : base(Describe(status, body, out var title, out var detail, out var errors))
    {
        Status = status;
        Body = body;
        Title = title;
        Detail = detail;
        Errors = errors;
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The problem's <c>title</c>.</summary>
    public string? Title { get; }

    /// <summary>The problem's <c>detail</c>: what is wrong, naming the dimensions involved.</summary>
    public string? Detail { get; }

    /// <summary>The field problems, keyed by field path (<c>query[1]</c>); empty when there are none.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>The problem details as received.</summary>
    public string Body { get; }

    private static string Describe(HttpStatusCode status, string body, out string? title, out string? detail, out IReadOnlyDictionary<string, string[]> errors)
    {
        title = detail = null;
        errors = new Dictionary<string, string[]>();
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                errors = e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString() ?? "").ToArray());
            }
        }
        catch (JsonException)
        {
            detail = body;
        }

        return $"{(int)status} {title}: {detail}";
    }
}
