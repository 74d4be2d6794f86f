using System.Globalization;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace OpenMss.Queue.Notifications;

/// <summary>
/// Builds delivery status notifications (DSN) as RFC 3464 <c>multipart/report;
/// report-type=delivery-status</c> messages (RFC 6522): a readable part in French then English,
/// the machine-readable <c>message/delivery-status</c> part, then the original message
/// (<c>message/rfc822</c> when the sender asked <c>RET=FULL</c>, its header only as
/// <c>text/rfc822-headers</c> otherwise).
/// </summary>
/// <remarks>
/// The notification is signed by <c>MAILER-DAEMON@&lt;first local domain&gt;</c>, is sent with
/// the null reverse-path (RFC 3461 §6.2: never answered by another DSN), and never copies the
/// original subject into its own <c>Subject</c>: MSSanté subjects may carry health data.
/// </remarks>
public sealed class DeliveryStatusNotification
{
    /// <summary>Display name of the notifications' sender.</summary>
    public const string MailerDaemonDisplayName = "Système de messagerie OpenMSS";

    /// <summary>Subject of failure notifications.</summary>
    public const string FailureSubject = "Échec de distribution / Delivery failure";

    /// <summary>Subject of delay notifications.</summary>
    public const string DelaySubject = "Distribution retardée / Delivery delayed";

    /// <summary>Subject of success (delivered or relayed) notifications.</summary>
    public const string SuccessSubject = "Distribution réussie / Delivery successful";

    private static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");

    private readonly string reportingMta;
    private readonly string mailerDaemonDomain;

    /// <param name="reportingMta">Host name of this MTA (<c>Reporting-MTA: dns; …</c>).</param>
    /// <param name="mailerDaemonDomain">Local domain under which <c>MAILER-DAEMON</c> signs.</param>
    public DeliveryStatusNotification(string reportingMta, string mailerDaemonDomain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reportingMta);
        ArgumentException.ThrowIfNullOrWhiteSpace(mailerDaemonDomain);
        this.reportingMta = reportingMta;
        this.mailerDaemonDomain = mailerDaemonDomain;
    }

    /// <summary>The address notifications come from.</summary>
    public string MailerDaemonAddress => "MAILER-DAEMON@" + mailerDaemonDomain;

    /// <summary>Builds the notification for <paramref name="report"/>, dated <paramref name="now"/>.</summary>
    /// <exception cref="ArgumentException">No recipient, or a null original sender (a DSN is never sent to &lt;&gt;).</exception>
    public MimeMessage Create(DeliveryReport report, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Recipients.Count == 0)
        {
            throw new ArgumentException("A delivery status notification reports on at least one recipient.", nameof(report));
        }

        if (string.IsNullOrEmpty(report.OriginalSender))
        {
            throw new ArgumentException("No notification is ever sent for a message with a null sender (RFC 3461 §6.2).", nameof(report));
        }

        var original = report.OriginalMessage.IsEmpty ? null : LoadOriginal(report.OriginalMessage);
        var kind = KindOf(report.Recipients);

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(MailerDaemonDisplayName, MailerDaemonAddress));
        message.To.Add(new MailboxAddress(string.Empty, report.OriginalSender));
        message.Subject = kind switch
        {
            DsnAction.Failed => FailureSubject,
            DsnAction.Delayed => DelaySubject,
            _ => SuccessSubject,
        };
        message.Date = now;
        message.MessageId = MimeUtils.GenerateMessageId(mailerDaemonDomain);
        if (!string.IsNullOrEmpty(original?.MessageId))
        {
            message.InReplyTo = original.MessageId;
            message.References.Add(original.MessageId);
        }

        // RFC 3834 §5: automatic responses say so, so that auto-responders do not answer them.
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var body = new MultipartReport("delivery-status")
        {
            HumanReadablePart(report, kind),
            DeliveryStatusPart(report),
        };
        if (original is not null)
        {
            body.Add(ReturnedContentPart(report, original));
        }

        message.Body = body;
        return message;
    }

    /// <summary>Serialises a notification with CRLF line endings, ready for SMTP or the store.</summary>
    public static byte[] ToBytes(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, stream);
        return stream.ToArray();
    }

    private static DsnAction KindOf(IReadOnlyList<DsnRecipientReport> recipients)
    {
        if (recipients.Any(r => r.Action == DsnAction.Failed))
        {
            return DsnAction.Failed;
        }

        return recipients.Any(r => r.Action == DsnAction.Delayed) ? DsnAction.Delayed : DsnAction.Delivered;
    }

    private static MimeMessage LoadOriginal(ReadOnlyMemory<byte> raw)
    {
        using var stream = new MemoryStream(raw.ToArray(), writable: false);
        return MimeMessage.Load(stream);
    }

    private TextPart HumanReadablePart(DeliveryReport report, DsnAction kind)
    {
        var text = new StringBuilder();
        var recipients = report.Recipients;
        var retryUntil = recipients.Select(r => r.WillRetryUntil).FirstOrDefault(d => d.HasValue);

        text.Append("Ceci est un message automatique du système de messagerie ").Append(reportingMta).Append(".\r\n\r\n");
        switch (kind)
        {
            case DsnAction.Failed:
                text.Append("Votre message n'a pas pu être remis aux destinataires suivants :\r\n\r\n");
                break;
            case DsnAction.Delayed:
                text.Append("Votre message n'a pas encore pu être remis aux destinataires suivants :\r\n\r\n");
                break;
            default:
                text.Append("Votre message a bien été remis (ou transmis) aux destinataires suivants :\r\n\r\n");
                break;
        }

        foreach (var recipient in recipients.Where(r => ActionMatches(r.Action, kind)))
        {
            text.Append("  ").Append(recipient.FinalRecipient).Append("\r\n");
            if (kind != DsnAction.Delivered)
            {
                text.Append("    motif : ").Append(StatusText.French(recipient.Status, recipient.Action)).Append(" (code ").Append(recipient.Status).Append(")\r\n");
                if (RemoteReply(recipient) is { } reply)
                {
                    text.Append("    réponse du serveur ").Append(recipient.RemoteMta ?? "distant").Append(" : « ").Append(reply).Append(" »\r\n");
                }
            }
        }

        text.Append("\r\n");
        if (kind == DsnAction.Delayed)
        {
            text.Append("Il n'y a rien à faire pour l'instant : de nouvelles tentatives seront faites");
            if (retryUntil is { } until)
            {
                text.Append(" jusqu'au ").Append(FormatFrench(until));
            }

            text.Append(". Vous serez prévenu si la remise échoue définitivement.\r\n");
        }
        else if (kind == DsnAction.Failed)
        {
            text.Append("Aucune nouvelle tentative ne sera faite. Vérifiez l'adresse du destinataire dans l'annuaire santé avant de renvoyer le message.\r\n");
        }

        text.Append(report.ReturnFullMessage
            ? "Le message d'origine est joint.\r\n"
            : "Les en-têtes du message d'origine sont joints.\r\n");

        text.Append("\r\n--- English ---\r\n\r\n");
        text.Append("This is an automatic message from the mail system at ").Append(reportingMta).Append(".\r\n\r\n");
        switch (kind)
        {
            case DsnAction.Failed:
                text.Append("Your message could not be delivered to the following recipients:\r\n\r\n");
                break;
            case DsnAction.Delayed:
                text.Append("Your message has not yet been delivered to the following recipients:\r\n\r\n");
                break;
            default:
                text.Append("Your message was delivered (or relayed) to the following recipients:\r\n\r\n");
                break;
        }

        foreach (var recipient in recipients.Where(r => ActionMatches(r.Action, kind)))
        {
            text.Append("  ").Append(recipient.FinalRecipient).Append("\r\n");
            if (kind != DsnAction.Delivered)
            {
                text.Append("    reason: ").Append(StatusText.English(recipient.Status, recipient.Action)).Append(" (code ").Append(recipient.Status).Append(")\r\n");
                if (RemoteReply(recipient) is { } reply)
                {
                    text.Append("    reply from ").Append(recipient.RemoteMta ?? "the remote server").Append(": \"").Append(reply).Append("\"\r\n");
                }
            }
        }

        text.Append("\r\n");
        if (kind == DsnAction.Delayed)
        {
            text.Append("No action is needed for now: delivery will be retried");
            if (retryUntil is { } until)
            {
                text.Append(" until ").Append(until.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
            }

            text.Append(". You will be told if delivery finally fails.\r\n");
        }
        else if (kind == DsnAction.Failed)
        {
            text.Append("No further attempt will be made. Check the recipient's address in the health directory before sending again.\r\n");
        }

        text.Append(report.ReturnFullMessage
            ? "The original message is attached.\r\n"
            : "The header of the original message is attached.\r\n");

        var part = new TextPart("plain") { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        part.SetText(Encoding.UTF8, text.ToString());
        return part;
    }

    // A mixed report (e.g. failed and delayed recipients) lists in its readable part the
    // recipients of its headline kind; the delivery-status part lists them all.
    private static bool ActionMatches(DsnAction action, DsnAction kind) =>
        kind == DsnAction.Delivered ? action is DsnAction.Delivered or DsnAction.Relayed : action == kind;

    private MimePart DeliveryStatusPart(DeliveryReport report)
    {
        var perMessage = new List<(string, string)> { ("Reporting-MTA", "dns; " + reportingMta) };
        if (!string.IsNullOrEmpty(report.OriginalEnvelopeId))
        {
            perMessage.Add(("Original-Envelope-Id", report.OriginalEnvelopeId));
        }

        perMessage.Add(("Arrival-Date", DateUtils.FormatDate(report.ArrivalDate)));
        var groups = new List<List<(string Field, string Value)>> { perMessage };

        foreach (var recipient in report.Recipients)
        {
            var fields = new List<(string, string)>();
            if (!string.IsNullOrEmpty(recipient.OriginalRecipient))
            {
                fields.Add(("Original-Recipient", FormatOriginalRecipient(recipient.OriginalRecipient)));
            }

            fields.Add(("Final-Recipient", "rfc822; " + recipient.FinalRecipient));
            fields.Add(("Action", recipient.Action.ToString().ToLowerInvariant()));
            fields.Add(("Status", recipient.Status));
            if (!string.IsNullOrEmpty(recipient.RemoteMta))
            {
                fields.Add(("Remote-MTA", "dns; " + recipient.RemoteMta));
            }

            if (!string.IsNullOrEmpty(recipient.DiagnosticCode))
            {
                fields.Add(("Diagnostic-Code", recipient.DiagnosticCode));
            }

            if (recipient.LastAttemptDate is { } lastAttempt)
            {
                fields.Add(("Last-Attempt-Date", DateUtils.FormatDate(lastAttempt)));
            }

            if (recipient.Action == DsnAction.Delayed && recipient.WillRetryUntil is { } until)
            {
                fields.Add(("Will-Retry-Until", DateUtils.FormatDate(until)));
            }

            groups.Add(fields);
        }

        // Written out here rather than through MessageDeliveryStatus.StatusGroups: MimeKit ends
        // that body with a blank line, which its own parser (and others) then read as an empty
        // extra recipient block. RFC 3464 §2.1: blocks separated by one blank line, nothing after.
        var content = new StringBuilder();
        foreach (var group in groups)
        {
            if (content.Length > 0)
            {
                content.Append("\r\n");
            }

            foreach (var (field, value) in group)
            {
                content.Append(field).Append(": ").Append(SingleLine(value)).Append("\r\n");
            }
        }

        var bytes = Encoding.UTF8.GetBytes(content.ToString());
        return new MimePart("message", "delivery-status")
        {
            Content = new MimeContent(new MemoryStream(bytes, writable: false)),
            ContentTransferEncoding = bytes.AsSpan().ContainsAnyExceptInRange((byte)0, (byte)127) ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        };
    }

    private static string SingleLine(string value) => value.ReplaceLineEndings(" ");

    private static MimeEntity ReturnedContentPart(DeliveryReport report, MimeMessage original)
    {
        if (report.ReturnFullMessage)
        {
            return new MessagePart("rfc822") { Message = original };
        }

        // The header block is returned byte for byte rather than re-serialised from the parsed
        // message, so that the sender sees exactly what was sent.
        var header = HeaderBlock(report.OriginalMessage.Span);
        var eightBit = header.AsSpan().ContainsAnyExceptInRange((byte)0, (byte)127);
        return new MimePart("text", "rfc822-headers")
        {
            Content = new MimeContent(new MemoryStream(header, writable: false)),
            ContentTransferEncoding = eightBit ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        };
    }

    /// <summary>The header of a raw message, up to and including the line that ends it.</summary>
    internal static byte[] HeaderBlock(ReadOnlySpan<byte> raw)
    {
        var crlf = raw.IndexOf("\r\n\r\n"u8);
        var lf = raw.IndexOf("\n\n"u8);
        if (crlf >= 0 && (lf < 0 || crlf < lf))
        {
            return raw[..(crlf + 2)].ToArray();
        }

        return lf >= 0 ? raw[..(lf + 1)].ToArray() : raw.ToArray();
    }

    private static string FormatOriginalRecipient(string value)
    {
        var separator = value.IndexOf(';', StringComparison.Ordinal);
        return separator < 0
            ? "rfc822; " + value
            : value[..separator].Trim() + "; " + value[(separator + 1)..].Trim();
    }

    private static string FormatFrench(DateTimeOffset instant)
    {
        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        }
        catch (TimeZoneNotFoundException)
        {
            return instant.UtcDateTime.ToString("dddd d MMMM yyyy 'à' HH:mm 'UTC'", French);
        }

        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return local.ToString("dddd d MMMM yyyy 'à' HH:mm '(heure de Paris)'", French);
    }

    // The remote's own words (RFC 3464 §2.3.6 Diagnostic-Code of type smtp), quoted after the
    // status text: a refusal by policy (5.7.1) often says why only there.
    private static string? RemoteReply(DsnRecipientReport recipient) =>
        recipient.DiagnosticCode is { } code && code.StartsWith("smtp;", StringComparison.OrdinalIgnoreCase)
            ? SingleLine(code[5..].Trim())
            : null;
}
