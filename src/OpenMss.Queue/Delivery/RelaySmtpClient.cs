using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MimeKit;
using OpenMss.Storage;
using OpenMss.Trust;

namespace OpenMss.Queue.Delivery;

/// <summary>
/// MailKit's SMTP client adapted to relaying: passes the RFC 3461 parameters of the queued
/// envelope through (<c>ENVID</c> and <c>NOTIFY</c>; <c>RET</c> is set by the caller; MailKit adds
/// <c>ORCPT=rfc822;&lt;recipient&gt;</c> with every <c>NOTIFY</c> and offers no way to relay a
/// different original recipient),
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
        // certificate must name the destination domain (SPEC §3.1), whatever host was dialled.
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

    protected override MailKit.DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox)
    {
        if (!recipients.TryGetValue(mailbox.Address, out var recipient) || recipient.Notify == DsnNotify.Default)
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

    // The queued bytes travel as they are: re-encoding a part would break signatures and the
    // byte-for-byte guarantee. Operators of the trust space all offer 8BITMIME (SPEC §3.1).
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
