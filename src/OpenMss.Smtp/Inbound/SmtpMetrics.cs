using System.Diagnostics.Metrics;

namespace OpenMss.Smtp.Inbound;

/// <summary>
/// The SMTP server's metrics (System.Diagnostics.Metrics), exported by the host on <c>/metrics</c>
/// (issue 2 §9). Subscribe to <see cref="MeterName"/>.
/// </summary>
public static class SmtpMetrics
{
    /// <summary>The meter every SMTP instrument belongs to.</summary>
    public const string MeterName = "OpenMss.Smtp";

    /// <summary>Counter: SMTP connections accepted (including those refused for lack of capacity).</summary>
    public const string Sessions = "openmss.smtp.sessions";

    /// <summary>Counter: messages acknowledged with 250 after DATA (durably stored).</summary>
    public const string MessagesAccepted = "openmss.smtp.messages.accepted";

    /// <summary>Counter: transactions refused at MAIL or at the end of DATA, tagged <c>reason</c>.</summary>
    public const string MessagesRefused = "openmss.smtp.messages.refused";

    /// <summary>Counter: octets of message text received after DATA (dot-stuffing removed).</summary>
    public const string BytesReceived = "openmss.smtp.bytes.received";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> SessionCounter = Meter.CreateCounter<long>(Sessions, "{session}", "SMTP connections accepted");

    internal static readonly Counter<long> AcceptedCounter = Meter.CreateCounter<long>(MessagesAccepted, "{message}", "Messages durably stored and acknowledged");

    internal static readonly Counter<long> RefusedCounter = Meter.CreateCounter<long>(MessagesRefused, "{message}", "Transactions refused at MAIL or after DATA");

    internal static readonly Counter<long> BytesCounter = Meter.CreateCounter<long>(BytesReceived, "By", "Message octets received");

    internal static void Refused(string? reason) =>
        RefusedCounter.Add(1, new KeyValuePair<string, object?>("reason", reason ?? "policy"));
}
