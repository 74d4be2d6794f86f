using OpenMss.Storage;

namespace OpenMss.Smtp.Inbound;

/// <summary>
/// Sends the "delivered" delivery status notification of the final delivery (RFC 3461 §6.2.2,
/// RFC 3464 <c>Action: delivered</c>) once the relay has stored a message in local mailboxes.
/// The host passes <c>OpenMss.Queue.Submission.MessageSubmitter.NotifyDeliveredAsync</c> (the
/// SMTP project does not know the queue), which reports on the recipients that asked
/// <c>NOTIFY=SUCCESS</c> and sends the report to <paramref name="mailFrom"/> through the queue.
/// </summary>
/// <param name="mailFrom">The reverse-path of the delivered message (never empty: the relay does not call for the null sender).</param>
/// <param name="delivered">The recipients stored, as given in <c>RCPT TO</c>, with their <c>NOTIFY</c> and <c>ORCPT</c> (<c>type;address</c>).</param>
/// <param name="raw">The message as stored; valid only until the returned task completes.</param>
/// <param name="envelopeId">RFC 3461 <c>ENVID</c> of the transaction, if any.</param>
/// <param name="arrivalDate">When the relay accepted the message.</param>
public delegate Task NotifyDelivered(
    string mailFrom,
    IReadOnlyList<OutboundRecipient> delivered,
    ReadOnlyMemory<byte> raw,
    string? envelopeId,
    DateTimeOffset arrivalDate,
    CancellationToken cancellationToken);
