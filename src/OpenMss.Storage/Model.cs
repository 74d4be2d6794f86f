using OpenMss.Core;

namespace OpenMss.Storage;

/// <summary>A mailbox to create. <see cref="Address"/> is stored lower-cased.</summary>
public sealed record NewMailbox(string Address, MailboxKind Kind, string? DisplayName = null, string? OwnerId = null);

public sealed record MailboxRecord(long Id, string Address, MailboxKind Kind, string? DisplayName, string? OwnerId, DateTimeOffset CreatedAt);

/// <summary>An IMAP folder of a mailbox. <see cref="SpecialUse"/> is an RFC 6154 attribute such as <c>\Sent</c>.</summary>
public sealed record FolderRecord(long Id, long MailboxId, string Name, string? SpecialUse, long UidValidity, long UidNext, long MessageCount);

[Flags]
public enum MessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
    Recent = 32,
}

/// <summary>A message accepted for local delivery to one or more local mailboxes.</summary>
/// <param name="MailFrom">The SMTP reverse-path; empty for a null sender (<c>&lt;&gt;</c>).</param>
/// <param name="Recipients">Local mailbox addresses; each must exist.</param>
/// <param name="Raw">The message as received, trace headers included.</param>
/// <param name="Audit">Who delivers it: one <c>deliver</c> audit event per recipient mailbox is written in the same transaction.</param>
/// <param name="SenderKind">Who delivers it, as the <see cref="DeliveryEvent"/> of each copy says.</param>
public sealed record InboundMessage(
    string MailFrom,
    IReadOnlyList<string> Recipients,
    ReadOnlyMemory<byte> Raw,
    DateTimeOffset ReceivedAt,
    DeliveryAudit? Audit = null,
    DeliverySenderKind SenderKind = DeliverySenderKind.Local);

/// <summary>The actor recorded in the audit trail for a delivery (e.g. <c>operator:medecin.mssante.fr</c>) and where it came from.</summary>
public sealed record DeliveryAudit(string Actor, string? ClientAddress = null);

public sealed record StoredMessageRef(string MailboxAddress, long FolderId, long Uid);

/// <summary>Envelope fields parsed from the header at delivery time, for IMAP <c>ENVELOPE</c>.</summary>
public sealed record MessageEnvelope(
    string? Date, string? Subject, string? From, string? Sender, string? ReplyTo,
    string? To, string? Cc, string? Bcc, string? InReplyTo, string? MessageId);

public sealed record MessageSummary(long Uid, MessageFlags Flags, IReadOnlyList<string> Keywords, DateTimeOffset InternalDate, long Size, MessageEnvelope Envelope);

/// <summary>DSN request of one recipient (RFC 3461 <c>NOTIFY</c> and <c>ORCPT</c>).</summary>
[Flags]
public enum DsnNotify
{
    /// <summary>No NOTIFY parameter given: failure and delay by default.</summary>
    Default = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

public sealed record OutboundRecipient(string Address, DsnNotify Notify = DsnNotify.Default, string? OriginalRecipient = null);

/// <summary>A message to deliver to other operators.</summary>
/// <param name="MailFrom">Reverse-path; empty for a null sender (notifications are never answered).</param>
/// <param name="EnvelopeId">RFC 3461 <c>ENVID</c>, if any.</param>
/// <param name="ReturnFullMessage">RFC 3461 <c>RET=FULL</c> (else headers only).</param>
public sealed record OutboundMessage(
    string MailFrom,
    IReadOnlyList<OutboundRecipient> Recipients,
    ReadOnlyMemory<byte> Raw,
    DateTimeOffset QueuedAt,
    string? EnvelopeId = null,
    bool ReturnFullMessage = false);

public enum RecipientState
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
}

public sealed record QueueRecipient(long Id, string Address, DsnNotify Notify, string? OriginalRecipient, RecipientState State, string? Status, string? Diagnostic);

/// <summary>One queue entry: a message for the recipients of one destination domain.</summary>
public sealed record QueueEntry(
    long Id,
    string MailFrom,
    string Domain,
    string? EnvelopeId,
    bool ReturnFullMessage,
    long Size,
    DateTimeOffset QueuedAt,
    DateTimeOffset NextAttemptAt,
    int Attempts,
    bool DelayNotified,
    string? LastError,
    string? LeaseOwner,
    DateTimeOffset? LeaseUntil,
    IReadOnlyList<QueueRecipient> Recipients);

/// <summary>The final or temporary result for one recipient of an attempt.</summary>
/// <param name="Status">Enhanced status code, e.g. <c>2.0.0</c>, <c>4.4.1</c>, <c>5.1.1</c>.</param>
/// <param name="Diagnostic">The remote reply or local reason, e.g. <c>smtp; 550 5.1.1 unknown mailbox</c>.</param>
public sealed record RecipientOutcome(long RecipientId, RecipientState State, string Status, string? Diagnostic);

/// <summary>The outcome of one delivery attempt of a leased entry.</summary>
/// <param name="Outcomes">Recipients whose state changed; those not listed stay pending.</param>
/// <param name="NextAttemptAt">When pending recipients are tried again.</param>
public sealed record QueueAttempt(
    long EntryId,
    string LeaseOwner,
    IReadOnlyList<RecipientOutcome> Outcomes,
    DateTimeOffset NextAttemptAt,
    string? LastError,
    bool DelayNotified);

/// <summary>
/// One line of the audit trail: who did what to which mailbox, when, with which result, from
/// where. Never message content, subject or patient data beyond the mailbox address.
/// </summary>
public sealed record AuditEvent(
    DateTimeOffset At,
    string Actor,
    string? Mailbox,
    string Action,
    string Result,
    string? ClientAddress = null,
    string? Detail = null,
    long Id = 0);

public sealed record AuditQuery(string? Mailbox = null, string? Actor = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 1000);

/// <summary>The address is already used by another mailbox.</summary>
public sealed class MailboxExistsException(string address) : Exception($"A mailbox with address {address} already exists.")
{
    public string Address { get; } = address;
}
