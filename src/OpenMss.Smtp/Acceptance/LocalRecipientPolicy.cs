using System.Runtime.CompilerServices;
using OpenMss.Smtp.Protocol;
using OpenMss.Storage;

namespace OpenMss.Smtp.Acceptance;

/// <summary>
/// The recipient stage every service has: a recipient in one of this operator's domains must be an
/// existing mailbox (<c>550 5.1.1</c>, RFC 3463 §3.2, so the client learns it at <c>RCPT</c> instead
/// of the message being dropped after <c>DATA</c>); the mailbox found is kept in
/// <see cref="AcceptanceRecipient.Mailbox"/> for delivery and for the stages that follow. A
/// recipient in another domain is refused with <c>550 5.7.1</c> when <see cref="RefusesOtherDomains"/>
/// (the relay is not an open relay, RFC 5321 §3.6.2), and left to the next stages otherwise
/// (submission queues it for its operator).
/// </summary>
public sealed class LocalRecipientPolicy : IRecipientPolicy
{
    private readonly IMailboxStore _store;

    /// <param name="store">Where local mailboxes live.</param>
    /// <param name="localDomains">The domains this operator serves.</param>
    /// <param name="refusesOtherDomains">True for the relay: only this operator's recipients are taken.</param>
    public LocalRecipientPolicy(IMailboxStore store, LocalDomainSet localDomains, bool refusesOtherDomains)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(localDomains);
        _store = store;
        LocalDomains = localDomains;
        RefusesOtherDomains = refusesOtherDomains;
    }

    /// <summary>The domains this operator serves.</summary>
    public LocalDomainSet LocalDomains { get; }

    /// <summary>Whether a recipient outside <see cref="LocalDomains"/> is refused (relay) or passed on (submission).</summary>
    public bool RefusesOtherDomains { get; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SmtpReply?> CheckRecipientAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var address = recipient.Address;
        var at = address.LastIndexOf('@');
        if (at < 0)
        {
            // <Postmaster> without a domain: this operator has no such mailbox to give.
            return SmtpReplies.UnknownMailbox;
        }

        if (!LocalDomains.Contains(address.AsSpan(at + 1)))
        {
            return RefusesOtherDomains ? SmtpReplies.RelayDenied : null;
        }

        if (recipient.Mailbox is not null)
        {
            // An earlier stage (the patient space's) already found or created the mailbox.
            return null;
        }

        var mailbox = await _store.FindMailboxAsync(address, cancellationToken).ConfigureAwait(false);
        if (mailbox is null)
        {
            return SmtpReplies.UnknownMailbox;
        }

        recipient.Mailbox = mailbox;
        return null;
    }
}
