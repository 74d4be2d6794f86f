using OpenMss.Smtp.Protocol;
using OpenMss.Storage;

namespace OpenMss.Queue.Submission;

/// <summary>What became of one recipient of a submitted message.</summary>
public enum RecipientDisposition
{
    /// <summary>Stored in the INBOX of a local mailbox (durable).</summary>
    DeliveredLocally,

    /// <summary>Queued for delivery to another operator (durable).</summary>
    Queued,

    /// <summary>The address is in a local domain but no such mailbox exists; nothing stored for it.</summary>
    UnknownMailbox,

    /// <summary>Not a usable address (no <c>@</c>, empty local part or domain); nothing stored for it.</summary>
    InvalidAddress,

    /// <summary>Refused by an acceptance stage (<see cref="RecipientSubmission.Reply"/> says why); nothing stored for it.</summary>
    Refused,
}

/// <summary>The outcome for one recipient, in submission order.</summary>
/// <param name="Reply">For a recipient the acceptance stages refused, the SMTP reply they gave (RFC 5321 §4.2, RFC 3463).</param>
public sealed record RecipientSubmission(string Address, RecipientDisposition Disposition, SmtpReply? Reply = null);

/// <summary>The outcome of <see cref="MessageSubmitter.SubmitAsync"/>.</summary>
/// <param name="Recipients">One outcome per submitted recipient, in order.</param>
/// <param name="QueueEntryIds">Queue entries created (one per remote destination domain).</param>
/// <param name="Stored">Where local copies were stored.</param>
public sealed record SubmissionResult(
    IReadOnlyList<RecipientSubmission> Recipients,
    IReadOnlyList<long> QueueEntryIds,
    IReadOnlyList<StoredMessageRef> Stored)
{
    /// <summary>Whether every recipient was delivered locally or queued.</summary>
    public bool AllAccepted => Recipients.All(r => r.Disposition is RecipientDisposition.DeliveredLocally or RecipientDisposition.Queued);

    /// <summary>One line per recipient for a person at a terminal (<c>openmss send</c>).</summary>
    public IEnumerable<string> Describe() => Recipients.Select(r => r.Disposition switch
    {
        RecipientDisposition.DeliveredLocally => $"{r.Address}: delivered to the local mailbox",
        RecipientDisposition.Queued => $"{r.Address}: queued for delivery to its operator",
        RecipientDisposition.UnknownMailbox => $"{r.Address}: refused, no such mailbox on this operator",
        RecipientDisposition.Refused => $"{r.Address}: refused, {r.Reply?.Code} {r.Reply?.EnhancedStatus} {string.Join(' ', r.Reply?.Lines ?? [])}",
        _ => $"{r.Address}: refused, not a valid address",
    });

    /// <summary>The recipients that were not accepted, with the reason.</summary>
    public IEnumerable<RecipientSubmission> Refused =>
        Recipients.Where(r => r.Disposition is not (RecipientDisposition.DeliveredLocally or RecipientDisposition.Queued));
}
