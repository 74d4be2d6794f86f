using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit.Net.Smtp;
using MimeKit;
using OpenMss.Storage;
using OpenMss.Trust;
using OpenMss.Core.Text;

namespace OpenMss.Queue.Delivery;

/// <summary>
/// MailKit's SMTP client adapted to relaying: passes the RFC 3461 parameters of the queued
/// envelope through (<c>ENVID</c>, <c>NOTIFY</c> and the submitter's <c>ORCPT</c> unchanged,
/// RFC 3461 §4.2; <c>RET</c> is set by the caller),
/// collects the reply to every <c>RCPT</c> instead of stopping at the first refusal, and sends
/// the queued bytes unchanged (no re-encoding for the server's capabilities). TLS follows the
/// trust space's client settings (<see cref="TlsSettings.ClientOptions"/>).
/// </summary>
internal sealed class RelaySmtpClient : SmtpClient
{
    private readonly string? envelopeId;
    private readonly Dictionary<string, QueueRecipient> recipients;
    private readonly X509Certificate2? clientCertificate;
    private readonly string destinationDomain;
    private readonly TrustValidator validator;

    public RelaySmtpClient(QueueEntry entry, IReadOnlyList<QueueRecipient> recipients, X509Certificate2? clientCertificate, TrustValidator validator)
    {
        envelopeId = entry.EnvelopeId;
        destinationDomain = entry.Domain;
        this.clientCertificate = clientCertificate;
        this.validator = validator;

        // The relay host name may differ from the mail domain (routing table, MX): the server
        // certificate must name the destination domain (ANS, MSSanté référentiel #2), whatever host was dialled.
        ServerCertificateValidationCallback = TlsSettings.ServerCertificateCallback(validator, destinationDomain, check => ServerCheck = check);
        this.recipients = new Dictionary<string, QueueRecipient>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in recipients)
        {
            this.recipients.TryAdd(recipient.Address, recipient);
        }
    }

    /// <summary>The trust check of the server certificate, once the TLS handshake has seen it.</summary>
    public PeerCheck? ServerCheck { get; private set; }

    /// <summary>Replies to <c>RCPT</c>, by recipient address.</summary>
    public Dictionary<string, SmtpResponse> RecipientReplies { get; } = new(StringComparer.OrdinalIgnoreCase);

    // The trust space's TLS client settings (TLS 1.2/1.3, our operator certificate). MailKit
    // hands its own validation callback to the SslStream constructor, which forwards to
    // ServerCertificateValidationCallback (set above); SslStream refuses a second one here.
    protected override SslClientAuthenticationOptions GetSslClientAuthenticationOptions(string host, RemoteCertificateValidationCallback remoteCertificateValidationCallback)
    {
        var options = TlsSettings.ClientOptions(clientCertificate, destinationDomain, validator, targetHost: host);
        options.RemoteCertificateValidationCallback = null;
        return options;
    }

    protected override string GetEnvelopeId(MimeMessage message) => envelopeId ?? string.Empty;

    protected override MailKit.DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
        NotifyFor(mailbox.Address);

    private MailKit.DeliveryStatusNotification? NotifyFor(string address)
    {
        if (!recipients.TryGetValue(address, out var recipient) || recipient.Notify == DsnNotify.Default)
        {
            // No NOTIFY was given at submission: pass none, the next hop applies its default.
            return null;
        }

        if (recipient.Notify.HasFlag(DsnNotify.Never))
        {
            return MailKit.DeliveryStatusNotification.Never;
        }

        MailKit.DeliveryStatusNotification notify = 0;
        if (recipient.Notify.HasFlag(DsnNotify.Success))
        {
            notify |= MailKit.DeliveryStatusNotification.Success;
        }

        if (recipient.Notify.HasFlag(DsnNotify.Failure))
        {
            notify |= MailKit.DeliveryStatusNotification.Failure;
        }

        if (recipient.Notify.HasFlag(DsnNotify.Delay))
        {
            notify |= MailKit.DeliveryStatusNotification.Delay;
        }

        return notify;
    }

    /// <summary>
    /// True when a recipient carries an <c>ORCPT</c> that MailKit would not write: MailKit 4.x
    /// always sends <c>ORCPT=rfc822;&lt;RCPT TO address&gt;</c> with <c>NOTIFY</c>, from a private
    /// method no subclass can change. Such a transaction goes through <see cref="SendPreservingOriginalRecipientsAsync"/>.
    /// </summary>
    public bool HasOriginalRecipients(IReadOnlyList<QueueRecipient> pending) =>
        pending.Any(r => r.Notify != DsnNotify.Default
            && ParseOriginalRecipient(r.OriginalRecipient) is { } original
            && !(string.Equals(original.Type, "rfc822", StringComparison.OrdinalIgnoreCase) && string.Equals(original.Address, r.Address, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// The transaction of <see cref="SmtpClient.SendAsync(FormatOptions, MimeMessage, MailboxAddress, IEnumerable{MailboxAddress}, CancellationToken, MailKit.ITransferProgress)"/>,
    /// written through MailKit's protected <c>SendCommandAsync</c> so that each <c>RCPT TO</c>
    /// carries the submitter's <c>ORCPT</c> unchanged (RFC 3461 §4.2). Same outcome contract: the
    /// reply to every <c>RCPT</c> in <see cref="RecipientReplies"/>, <see cref="SmtpCommandException"/>
    /// when <c>MAIL</c> or <c>DATA</c> is refused, <see cref="NoRecipientAcceptedException"/> when no
    /// recipient is accepted, the final reply text on success. No pipelining: one command, one reply.
    /// </summary>
    /// <returns>Null when the content is not valid UTF-8 (MailKit's command channel is text):
    /// nothing was sent; the caller falls back to the ordinary transaction.</returns>
    public async Task<string?> SendPreservingOriginalRecipientsAsync(string mailFrom, IReadOnlyList<QueueRecipient> pending, byte[] raw, bool returnFull, CancellationToken cancellationToken)
    {
        var data = DotStuffed(raw);
        string dataText;
        try
        {
            dataText = StrictUtf8.Decode(data);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var utf8 = Capabilities.HasFlag(SmtpCapabilities.UTF8);
        var dsn = Capabilities.HasFlag(SmtpCapabilities.Dsn);
        var sender = new MailboxAddress(string.Empty, mailFrom);
        var mail = new StringBuilder("MAIL FROM:<").Append(mailFrom.Length == 0 ? string.Empty : sender.GetAddress(!utf8)).Append('>');
        if (Capabilities.HasFlag(SmtpCapabilities.Size))
        {
            mail.Append(" SIZE=").Append(raw.Length.ToString(CultureInfo.InvariantCulture));
        }

        if (Capabilities.HasFlag(SmtpCapabilities.EightBitMime) && raw.AsSpan().ContainsAnyExceptInRange((byte)0, (byte)127))
        {
            mail.Append(" BODY=8BITMIME");
        }

        if (utf8 && (!Ascii.IsValid(mailFrom) || pending.Any(r => !Ascii.IsValid(r.Address))))
        {
            mail.Append(" SMTPUTF8");
        }

        if (dsn)
        {
            mail.Append(returnFull ? " RET=FULL" : " RET=HDRS");
            if (!string.IsNullOrEmpty(envelopeId))
            {
                mail.Append(" ENVID=").Append(Xtext(envelopeId));
            }
        }

        var response = await SendCommandAsync(mail.ToString(), cancellationToken).ConfigureAwait(false);
        if (!IsPositive(response))
        {
            throw new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, response.StatusCode, sender, response.Response);
        }

        var accepted = 0;
        foreach (var recipient in pending)
        {
            var mailbox = new MailboxAddress(string.Empty, recipient.Address);
            var rcpt = new StringBuilder("RCPT TO:<").Append(mailbox.GetAddress(!utf8)).Append('>');
            if (dsn && NotifyFor(recipient.Address) is { } notify)
            {
                rcpt.Append(" NOTIFY=").Append(NotifyValue(notify));
                var (type, address) = ParseOriginalRecipient(recipient.OriginalRecipient) ?? ("rfc822", mailbox.GetAddress(!utf8));
                rcpt.Append(" ORCPT=").Append(type).Append(';').Append(Xtext(address));
            }

            response = await SendCommandAsync(rcpt.ToString(), cancellationToken).ConfigureAwait(false);
            RecipientReplies[recipient.Address] = response;
            if (IsPositive(response))
            {
                accepted++;
            }
        }

        if (accepted == 0)
        {
            throw new NoRecipientAcceptedException();
        }

        response = await SendCommandAsync("DATA", cancellationToken).ConfigureAwait(false);
        if ((int)response.StatusCode != 354)
        {
            throw new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, response.StatusCode, response.Response);
        }

        response = await SendCommandAsync(dataText, cancellationToken).ConfigureAwait(false);
        if (!IsPositive(response))
        {
            throw new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, response.StatusCode, response.Response);
        }

        return response.Response;
    }

    private static bool IsPositive(SmtpResponse response) => (int)response.StatusCode is >= 200 and < 300;

    // RFC 5321 §4.5.2 transparency: a line that starts with "." gets one more; then the final ".".
    private static byte[] DotStuffed(byte[] raw)
    {
        using var output = new MemoryStream(raw.Length + 64);
        var lineStart = true;
        foreach (var b in raw)
        {
            if (lineStart && b == (byte)'.')
            {
                output.WriteByte((byte)'.');
            }

            output.WriteByte(b);
            lineStart = b == (byte)'\n';
        }

        if (!raw.AsSpan().EndsWith("\r\n"u8))
        {
            output.Write("\r\n"u8);
        }

        output.Write(".\r\n"u8);
        return output.ToArray();
    }

    private static string NotifyValue(MailKit.DeliveryStatusNotification notify)
    {
        if (notify == MailKit.DeliveryStatusNotification.Never)
        {
            return "NEVER";
        }

        var values = new List<string>(3);
        if (notify.HasFlag(MailKit.DeliveryStatusNotification.Success))
        {
            values.Add("SUCCESS");
        }

        if (notify.HasFlag(MailKit.DeliveryStatusNotification.Failure))
        {
            values.Add("FAILURE");
        }

        if (notify.HasFlag(MailKit.DeliveryStatusNotification.Delay))
        {
            values.Add("DELAY");
        }

        return string.Join(',', values);
    }

    // RFC 3461 §4: xtext, "+" and "=" and anything outside "!".."~" as "+HH" (of the UTF-8 octets).
    private static string Xtext(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= 33 and <= 126 and not (byte)'+' and not (byte)'=')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('+').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>Splits a stored ORCPT (<c>type;address</c>, xtext already decoded, or a bare address) into its parts.</summary>
    internal static (string Type, string Address)? ParseOriginalRecipient(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        if (semicolon <= 0)
        {
            return ("rfc822", value.Trim());
        }

        var type = value[..semicolon].Trim();
        var address = value[(semicolon + 1)..].Trim();
        return address.Length == 0 ? null : (type, address);
    }

    // The queued bytes travel as they are: re-encoding a part would break signatures and the
    // byte-for-byte guarantee. Operators of the trust space all offer 8BITMIME (RFC 6152).
    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
    }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        RecipientReplies[mailbox.Address] = response;

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        RecipientReplies[mailbox.Address] = response;

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientAcceptedException();
}

/// <summary>Stops a transaction before <c>DATA</c> when the server refused every recipient.</summary>
internal sealed class NoRecipientAcceptedException : Exception
{
    public NoRecipientAcceptedException()
        : base("The remote server accepted none of the recipients.")
    {
    }

    public NoRecipientAcceptedException(string message)
        : base(message)
    {
    }

    public NoRecipientAcceptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
