using OpenMss.Smtp.Protocol;

namespace OpenMss.Smtp.Inbound;

/// <summary>
/// The decisions of an SMTP service, apart from the protocol mechanics the session handles
/// (syntax, sequence, line and size limits, pipelining, TLS). The relay (<see cref="RelayPolicy"/>,
/// RFC 5321) and the submission service (<see cref="Submission.SubmissionPolicy"/>, RFC 6409) are two policies over the same session.
/// </summary>
/// <remarks>
/// One instance serves every session concurrently: per-session and per-transaction state goes in
/// <see cref="SmtpSessionContext.PolicyState"/> and <see cref="SmtpTransaction.PolicyState"/>.
/// A hook that throws ends the session without acknowledging anything; storage failures should
/// be answered with <see cref="SmtpReplies.StorageFailure"/> instead.
/// </remarks>
public interface ISmtpPolicy
{
    /// <summary>Before the greeting. Null to greet; a reply (e.g. <see cref="SmtpReplies.ConnectionRefused"/>) to send it and close.</summary>
    ValueTask<SmtpReply?> OnConnectedAsync(SmtpSessionContext session, CancellationToken cancellationToken = default) => ValueTask.FromResult<SmtpReply?>(null);

    /// <summary>
    /// Extra EHLO keywords (e.g. <c>AUTH PLAIN</c> for submission once TLS is active). The session
    /// advertises PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, DSN, SMTPUTF8 and STARTTLS itself.
    /// </summary>
    IReadOnlyList<string> GetExtensions(SmtpSessionContext session) => [];

    /// <summary>
    /// After a successful TLS handshake (the peer certificate is in <see cref="SmtpSessionContext.ClientCertificate"/>).
    /// Null to continue; a reply to refuse the client: it is sent in answer to the next command and
    /// the connection closed. Policies that prefer to explain the refusal at MAIL return null and
    /// keep their verdict in <see cref="SmtpSessionContext.PolicyState"/>.
    /// </summary>
    ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionContext session, CancellationToken cancellationToken = default) => ValueTask.FromResult<SmtpReply?>(null);

    /// <summary>
    /// AUTH (RFC 4954) with its argument (mechanism and optional initial response). The policy runs
    /// the SASL exchange through <paramref name="channel"/> and returns the final reply
    /// (<c>235</c>, <c>535</c>…). Policies without authentication (the relay) answer <c>502</c>.
    /// </summary>
    ValueTask<SmtpReply> OnAuthenticateAsync(SmtpSessionContext session, string argument, ISaslChannel channel, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(SmtpReplies.NotImplemented);

    /// <summary>
    /// MAIL FROM, after the session checked the sequence, TLS (when required) and the declared SIZE.
    /// A 2xx reply opens the transaction.
    /// </summary>
    ValueTask<SmtpReply> OnMailFromAsync(SmtpSessionContext session, SmtpTransaction transaction, CancellationToken cancellationToken = default);

    /// <summary>RCPT TO, after the session checked the recipient count. A 2xx reply adds the recipient.</summary>
    ValueTask<SmtpReply> OnRecipientAsync(SmtpSessionContext session, SmtpTransaction transaction, RcptToCommand command, CancellationToken cancellationToken = default);

    /// <summary>
    /// The end of DATA, for a message within the size and line limits. Answer 250 only once the
    /// message is durably stored. <paramref name="message"/> is valid only until the returned task
    /// completes (its buffer then goes back to a pool).
    /// </summary>
    ValueTask<SmtpReply> OnMessageAsync(SmtpSessionContext session, SmtpTransaction transaction, SmtpMessageContent message, CancellationToken cancellationToken = default);
}

/// <summary>The session side of a SASL exchange (RFC 4954 §4): sends a <c>334</c> challenge, returns the client's answer.</summary>
public interface ISaslChannel
{
    /// <summary>
    /// Sends <c>334 <paramref name="challenge"/></c> (base64, possibly empty) and returns the client's
    /// response line as sent (base64, or <c>*</c> to cancel). Null when the exchange cannot go on (the
    /// connection closed, timed out or the line was too long): the session then answers itself and
    /// the policy's reply is ignored.
    /// </summary>
    ValueTask<string?> ChallengeAsync(string challenge, CancellationToken cancellationToken = default);
}
