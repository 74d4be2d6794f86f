namespace OpenMss.Queue.Notifications;

/// <summary>The <c>Action</c> field of an RFC 3464 per-recipient block (§2.3.3).</summary>
public enum DsnAction
{
    /// <summary>The message could not be delivered and no further attempt will be made.</summary>
    Failed,

    /// <summary>Not delivered yet; the reporting MTA keeps trying.</summary>
    Delayed,

    /// <summary>Delivered to the recipient's mailbox.</summary>
    Delivered,

    /// <summary>Handed to a next hop that will not report delivery itself (it lacks DSN support).</summary>
    Relayed,
}

/// <summary>What happened to one recipient, as reported in an RFC 3464 per-recipient block.</summary>
/// <param name="FinalRecipient">The address the reporting MTA tried to deliver to (<c>Final-Recipient: rfc822;</c>).</param>
/// <param name="Status">RFC 3463 enhanced status code, e.g. <c>5.1.1</c> or <c>4.4.7</c>.</param>
/// <param name="OriginalRecipient">The RFC 3461 <c>ORCPT</c> given at submission (<c>rfc822;addr</c> or a bare address), if any.</param>
/// <param name="RemoteMta">Host name of the remote MTA that gave the reply, if one answered.</param>
/// <param name="DiagnosticCode">The remote reply as <c>smtp; 550 5.1.1 …</c>, or a local reason as <c>x-openmss; …</c>.</param>
/// <param name="WillRetryUntil">For <see cref="DsnAction.Delayed"/>: when the MTA gives up.</param>
public sealed record DsnRecipientReport(
    string FinalRecipient,
    DsnAction Action,
    string Status,
    string? OriginalRecipient = null,
    string? RemoteMta = null,
    string? DiagnosticCode = null,
    DateTimeOffset? LastAttemptDate = null,
    DateTimeOffset? WillRetryUntil = null);

/// <summary>
/// Everything a delivery status notification says about one message (RFC 3464 per-message
/// fields, the recipients concerned and the original message to return).
/// </summary>
/// <param name="OriginalSender">The reverse-path of the original message: the notification goes there.</param>
/// <param name="OriginalMessage">The original message bytes; returned whole when <paramref name="ReturnFullMessage"/>, else only its header.</param>
/// <param name="ArrivalDate">When the reporting MTA accepted the original message.</param>
/// <param name="OriginalEnvelopeId">RFC 3461 <c>ENVID</c> of the original transaction, if any.</param>
public sealed record DeliveryReport(
    string OriginalSender,
    IReadOnlyList<DsnRecipientReport> Recipients,
    ReadOnlyMemory<byte> OriginalMessage,
    bool ReturnFullMessage,
    DateTimeOffset ArrivalDate,
    string? OriginalEnvelopeId = null);
