using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Smtp.Acceptance;
using OpenMss.Smtp.Protocol;
using OpenMss.Storage;
using OpenMss.Trust;

namespace OpenMss.Smtp.Inbound;

/// <summary>
/// The MSSanté operator-to-operator relay rules (docs/protocols.md): STARTTLS first; a client
/// certificate from the trust authority (not expired, not revoked) naming a whitelisted domain; a
/// sender domain that belongs to that certificate and is whitelisted (or the null sender of a
/// notification); recipients accepted by the <see cref="Acceptance"/> pipeline (by default: in this
/// operator's domains, with an existing mailbox, no open relay); <c>250</c> only once
/// <see cref="IMessageStore.DeliverAsync"/> has durably stored the message, then a "delivered" report
/// for the recipients that asked <c>NOTIFY=SUCCESS</c> (RFC 3461 §6.2.2, through
/// <see cref="DeliveryNotifier"/>).
/// </summary>
/// <remarks>
/// The certificate and whitelist are checked at every MAIL, so that a domain removed from the
/// whitelist, a certificate that expires or is revoked mid-session stops being accepted at once.
/// The chain is rebuilt at most every <see cref="CertificateRecheckInterval"/> per session (chain
/// building costs far more than the rest of a transaction); expiry and the whitelist are checked
/// every time.
/// </remarks>
public sealed class RelayPolicy : ISmtpPolicy
{
    private readonly IMessageStore _messages;
    private readonly TrustValidator _validator;
    private readonly IWhitelist _whitelist;
    private readonly LocalDomainSet _localDomains;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <param name="mailboxes">Where local mailboxes are looked up (the acceptance seam's local-mailbox stage).</param>
    /// <param name="messages">Where accepted messages are delivered.</param>
    /// <param name="validator">The trust space certificate validator (chain, validity, CRL).</param>
    /// <param name="whitelist">The MSSanté whitelist of operator domains (refreshed by its source).</param>
    /// <param name="localDomains">The mail domains this operator serves; other recipients are relaying.</param>
    /// <param name="logger">Logs certificate checks and storage failures, never addresses or content.</param>
    /// <param name="timeProvider">The clock (for the <c>Received:</c> date and certificate rechecks).</param>
    public RelayPolicy(
        IMailboxStore mailboxes,
        IMessageStore messages,
        TrustValidator validator,
        IWhitelist whitelist,
        IEnumerable<string> localDomains,
        ILogger<RelayPolicy>? logger = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(mailboxes);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(whitelist);
        ArgumentNullException.ThrowIfNull(localDomains);
        _messages = messages;
        _validator = validator;
        _whitelist = whitelist;
        _localDomains = new LocalDomainSet(localDomains);
        Acceptance = new AcceptancePipeline([new LocalRecipientPolicy(mailboxes, _localDomains, refusesOtherDomains: true)]);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How long a session may reuse its certificate chain check before MAIL rebuilds it (default 1 minute).</summary>
    public TimeSpan CertificateRecheckInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Sends the "delivered" report (RFC 3461 <c>NOTIFY=SUCCESS</c>) once a message is stored; the
    /// host passes <c>MessageSubmitter.NotifyDeliveredAsync</c>. Null: no success report is sent.
    /// Never called for the null sender nor when no recipient asked for one.
    /// </summary>
    public NotifyDelivered? DeliveryNotifier { get; init; }

    /// <summary>The domains this operator serves (A-labels).</summary>
    public IReadOnlyCollection<string> LocalDomains => _localDomains.Domains;

    /// <summary>
    /// Which recipients are taken, at RCPT and at the end of DATA. By default only
    /// <see cref="LocalRecipientPolicy"/> refusing other domains; the host composes it to add rules
    /// (it should keep that stage first, or the relay becomes an open relay).
    /// </summary>
    public AcceptancePipeline Acceptance { get; init; }

    public ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionContext session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var state = new PeerState(Validate(session), _time.GetUtcNow());
        session.PolicyState = state;

        // The verdict is given at MAIL, with a reply that says what is wrong.
        return ValueTask.FromResult<SmtpReply?>(null);
    }

    public ValueTask<SmtpReply> OnMailFromAsync(SmtpSessionContext session, SmtpTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        var reply = CheckSender(session, transaction);
        if (reply.IsPositive)
        {
            transaction.PolicyState = new AcceptanceEnvelope(transaction.ReversePath, session);
        }

        return ValueTask.FromResult(reply);
    }

    private SmtpReply CheckSender(SmtpSessionContext session, SmtpTransaction transaction)
    {
        if (!session.IsTls)
        {
            return SmtpReplies.StartTlsFirst;
        }

        var check = CurrentCheck(session);
        if (check.Code == PeerFailure.Missing)
        {
            return SmtpReplies.ClientCertificateRequired;
        }

        if (!check.IsTrusted)
        {
            return SmtpReplies.ClientCertificateRefusedBecause(check.Failure ?? "not trusted");
        }

        var whitelisted = false;
        foreach (var name in check.DnsNames)
        {
            if (_whitelist.Contains(name))
            {
                whitelisted = true;
                break;
            }
        }

        if (!whitelisted)
        {
            return SmtpReplies.PeerNotWhitelisted;
        }

        if (transaction.IsNullSender)
        {
            // Delivery notifications come from <> (RFC 5321 §4.5.5).
            return SmtpReplies.SenderOk;
        }

        var domain = DomainOf(transaction.ReversePath);
        if (domain is null || !check.NamesDomain(domain))
        {
            return SmtpReplies.SenderDomainNotInCertificate;
        }

        return _whitelist.Contains(domain) ? SmtpReplies.SenderOk : SmtpReplies.SenderDomainNotWhitelisted;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SmtpReply> OnRecipientAsync(SmtpSessionContext session, SmtpTransaction transaction, RcptToCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            return await Acceptance.CheckRecipientAsync(Envelope(transaction), new AcceptanceRecipient(command.Recipient), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SmtpLog.LookupFailed(_logger, session.SessionId, ex);
            return SmtpReplies.StorageFailure;
        }
    }

    public async ValueTask<SmtpReply> OnMessageAsync(SmtpSessionContext session, SmtpTransaction transaction, SmtpMessageContent message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(message);
        var envelope = Envelope(transaction);
        if (envelope.Recipients.Count == 0)
        {
            return SmtpReplies.NoValidRecipients;
        }

        // A stage that fails is answered by the session (451 4.3.0); nothing is stored.
        var verdict = await Acceptance.CheckMessageAsync(envelope, message.Content, cancellationToken).ConfigureAwait(false);
        if (verdict.TransactionReply is { } refusal)
        {
            return refusal;
        }

        var mailboxes = Mailboxes(envelope);
        if (mailboxes.Count == 0)
        {
            // Only with a pipeline that lets other operators' recipients through: the relay delivers locally only.
            return SmtpReplies.NoValidRecipients;
        }

        var now = _time.GetUtcNow();
        var raw = WithTrace(session, transaction, message, now);
        try
        {
            // The audit trail records which peer operator wrote into which mailbox (never content).
            var peer = session.PolicyState is PeerState state ? state.Check.DnsNames.FirstOrDefault() ?? state.Check.Subject : null;
            var audit = new DeliveryAudit("operator:" + (peer ?? "unknown"), session.RemoteEndPoint.Address.ToString());
            await _messages.DeliverAsync(new InboundMessage(transaction.ReversePath, mailboxes, raw, now, audit, DeliverySenderKind.Relay), cancellationToken).ConfigureAwait(false);
        }
        catch (MailboxNotFoundException)
        {
            // A mailbox deleted between RCPT and the end of DATA: nothing was stored for anyone.
            // The sender retries, and its RCPT is then refused with 550 5.1.1. (The exception
            // text holds the address, which is not logged.)
            SmtpLog.MessageRefused(_logger, session.SessionId, transaction.Id, 451, "4.3.0", "mailbox_vanished", message.Length);
            return SmtpReplies.StorageFailure;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SmtpLog.StorageFailed(_logger, session.SessionId, transaction.Id, ex);
            return SmtpReplies.StorageFailure;
        }

        await NotifyDeliveredAsync(session, transaction, raw, now).ConfigureAwait(false);
        return SmtpReplies.MessageAccepted(transaction.Id);
    }

    // RFC 3461 §6.2.2: this operator is the final delivery MTA, so it reports success when asked.
    // The message is already stored: a report that cannot be sent is logged, not turned into a
    // refusal that would make the sender deliver the message a second time. It is not cut short
    // by a shutdown either, for the same reason (a short local write).
    private async Task NotifyDeliveredAsync(SmtpSessionContext session, SmtpTransaction transaction, ReadOnlyMemory<byte> raw, DateTimeOffset now)
    {
        if (DeliveryNotifier is not { } notify || transaction.IsNullSender)
        {
            return;
        }

        List<OutboundRecipient>? wanted = null;
        foreach (var recipient in transaction.Recipients)
        {
            var parameters = recipient.Parameters;
            if (parameters.Notify != DsnNotify.Default && !parameters.Notify.HasFlag(DsnNotify.Never) && parameters.Notify.HasFlag(DsnNotify.Success))
            {
                var original = parameters.OriginalRecipient is null ? null : $"{parameters.OriginalRecipientType ?? "rfc822"};{parameters.OriginalRecipient}";
                (wanted ??= []).Add(new OutboundRecipient(recipient.Address, parameters.Notify, original));
            }
        }

        if (wanted is null)
        {
            return;
        }

        try
        {
            await notify(transaction.ReversePath, wanted, raw, transaction.Parameters.EnvelopeId, now, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SmtpLog.SuccessReportFailed(_logger, session.SessionId, transaction.Id, ex);
        }
    }

    // RFC 5321 §4.4: the trace header goes in front of the message, in room the buffer kept free.
    private static ReadOnlyMemory<byte> WithTrace(SmtpSessionContext session, SmtpTransaction transaction, SmtpMessageContent message, DateTimeOffset now)
    {
        Span<byte> header = stackalloc byte[ReceivedHeader.MaxLength];
        var protocol = ReceivedHeader.Protocol(session.IsExtended, session.IsTls, authenticated: false, transaction.Parameters.SmtpUtf8);
        var length = ReceivedHeader.Write(header, session.ClientName ?? "unknown", session.RemoteEndPoint.Address, session.ServerHostName, protocol, transaction.Id, now);
        return message.WithPrefix(header[..length]);
    }

    private PeerCheck Validate(SmtpSessionContext session)
    {
        var check = _validator.ValidateClient(session.ClientCertificate);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            SmtpLog.PeerChecked(_logger, session.SessionId, check.Subject, check.IsTrusted ? "trusted" : check.Failure ?? "refused");
        }

        return check;
    }

    private PeerCheck CurrentCheck(SmtpSessionContext session)
    {
        var now = _time.GetUtcNow();
        if (session.PolicyState is PeerState state
            && now - state.CheckedAt < CertificateRecheckInterval
            && (session.ClientCertificate is null || now.UtcDateTime <= session.ClientCertificate.NotAfter.ToUniversalTime()))
        {
            return state.Check;
        }

        var check = Validate(session);
        session.PolicyState = new PeerState(check, now);
        return check;
    }

    private static string? DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 || at == address.Length - 1 ? null : address[(at + 1)..];
    }

    // Created at MAIL; a transaction without one (a policy composed around this one) starts it here.
    private static AcceptanceEnvelope Envelope(SmtpTransaction transaction) =>
        transaction.PolicyState as AcceptanceEnvelope
        ?? (AcceptanceEnvelope)(transaction.PolicyState = new AcceptanceEnvelope(transaction.ReversePath));

    // The mailboxes to deliver to, each once: two addresses may name the same mailbox.
    private static List<string> Mailboxes(AcceptanceEnvelope envelope)
    {
        var mailboxes = new List<string>(envelope.Recipients.Count);
        foreach (var recipient in envelope.Recipients)
        {
            if (recipient.Mailbox is { } mailbox && !Contains(mailboxes, mailbox.Address))
            {
                mailboxes.Add(mailbox.Address);
            }
        }

        return mailboxes;

        static bool Contains(List<string> addresses, string address)
        {
            foreach (var known in addresses)
            {
                if (string.Equals(known, address, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private sealed record PeerState(PeerCheck Check, DateTimeOffset CheckedAt);
}
