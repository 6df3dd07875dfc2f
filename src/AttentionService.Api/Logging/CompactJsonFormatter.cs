using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;

namespace AttentionService.Api.Logging;

/// <summary>
/// Writes events as compact JSON lines (CLEF: <c>@t</c>, <c>@l</c>, <c>@mt</c>, <c>@m</c>, <c>@x</c>, then properties),
/// the format of Serilog.Formatting.Compact, which the package registry here does not carry.
/// </summary>
public sealed class CompactJsonFormatter : ITextFormatter
{
    private static readonly JsonValueFormatter ValueFormatter = new(typeTagName: "$type");

    // ":lj" renders strings without quotes and structures as JSON, so "@m" reads as plain text.
    private static readonly MessageTemplateTextFormatter MessageFormatter = new("{Message:lj}", System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);
        output.Write("{\"@t\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("O"));
        output.Write("\",\"@mt\":");
        JsonValueFormatter.WriteQuotedJsonString(logEvent.MessageTemplate.Text, output);
        output.Write(",\"@m\":");
        using (var message = new StringWriter(System.Globalization.CultureInfo.InvariantCulture))
        {
            MessageFormatter.Format(logEvent, message);
            JsonValueFormatter.WriteQuotedJsonString(message.ToString(), output);
        }
        if (logEvent.Level != LogEventLevel.Information)
        {
            output.Write(",\"@l\":\"");
            output.Write(logEvent.Level);
            output.Write('"');
        }

        if (logEvent.Exception is not null)
        {
            output.Write(",\"@x\":");
            JsonValueFormatter.WriteQuotedJsonString(logEvent.Exception.ToString(), output);
        }

        foreach (var (name, value) in logEvent.Properties)
        {
            output.Write(',');
            JsonValueFormatter.WriteQuotedJsonString(name.StartsWith('@') ? "@" + name : name, output);
            output.Write(':');
            ValueFormatter.Format(value, output);
        }

        output.Write('}');
        output.WriteLine();
    }
}
