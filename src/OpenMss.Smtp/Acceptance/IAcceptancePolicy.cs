using MimeKit;
using OpenMss.Smtp.Protocol;

namespace OpenMss.Smtp.Acceptance;

/// <summary>
/// A recipient stage of the <see cref="AcceptancePipeline"/>: one rule on whether a recipient is
/// taken, asked at <c>RCPT</c> (RFC 5321 §4.1.1.3) by the relay and the submission service, and for
/// each recipient by the local submission (<c>MessageSubmitter</c>).
/// </summary>
/// <remarks>
/// One instance serves every transaction concurrently: keep no per-call state in the stage. A stage
/// that completes synchronously costs no allocation (the relay calls it for every recipient).
/// Storage failures are thrown; the caller answers them (<see cref="SmtpReplies.StorageFailure"/>).
/// </remarks>
public interface IRecipientPolicy
{
    /// <summary>
    /// Null when this stage has no objection (the next stage decides); otherwise the refusal to
    /// give for this recipient, from <see cref="SmtpReplies"/> (code, enhanced status code, ASCII text).
    /// A stage may fill <see cref="AcceptanceRecipient.Mailbox"/> for the stages after it.
    /// </summary>
    ValueTask<SmtpReply?> CheckRecipientAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, CancellationToken cancellationToken = default);
}

/// <summary>
/// A message stage of the <see cref="AcceptancePipeline"/>: one rule asked at the end of
/// <c>DATA</c> (RFC 5321 §4.1.1.4), once the header of the message (RFC 5322 §3.6) is known, for
/// each recipient accepted at <c>RCPT</c>. For rules that depend on what only the header says
/// (which conversation a message belongs to, who wrote it).
/// </summary>
/// <remarks>
/// The answer is per recipient, as in LMTP (RFC 2033 §4.2); how SMTP, which has one reply after
/// DATA, turns differing answers into one reply is <see cref="MessageVerdict.TransactionReply"/>.
/// Same concurrency and failure rules as <see cref="IRecipientPolicy"/>.
/// </remarks>
public interface IMessagePolicy
{
    /// <summary>Null when this stage has no objection for <paramref name="recipient"/>; otherwise the refusal, from <see cref="SmtpReplies"/>.</summary>
    ValueTask<SmtpReply?> CheckMessageAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, HeaderList headers, CancellationToken cancellationToken = default);
}
