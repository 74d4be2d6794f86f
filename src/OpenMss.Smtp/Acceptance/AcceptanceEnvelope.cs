using OpenMss.Smtp.Inbound;
using OpenMss.Storage;

namespace OpenMss.Smtp.Acceptance;

/// <summary>
/// What the acceptance stages know about one mail transaction (RFC 5321 §3.3): the reverse-path,
/// the SMTP session when there is one, the sender's mailbox when authenticated, and the recipients
/// accepted so far.
/// </summary>
public sealed class AcceptanceEnvelope
{
    private readonly List<AcceptanceRecipient> _recipients = [];

    /// <param name="reversePath">The reverse-path; empty for the null sender.</param>
    /// <param name="session">The SMTP session; null for a local submission (CLI, delivery notifications).</param>
    public AcceptanceEnvelope(string reversePath, SmtpSessionContext? session = null)
    {
        ArgumentNullException.ThrowIfNull(reversePath);
        ReversePath = reversePath;
        Session = session;
    }

    /// <summary>The reverse-path; empty for the null sender <c>&lt;&gt;</c> (notifications, RFC 5321 §4.5.5).</summary>
    public string ReversePath { get; }

    public bool IsNullSender => ReversePath.Length == 0;

    /// <summary>The SMTP session the transaction runs in (peer, TLS, certificate); null for a local submission.</summary>
    public SmtpSessionContext? Session { get; }

    /// <summary>The local mailbox the authenticated sender writes as (submission); null on the relay and for local submissions.</summary>
    public MailboxRecord? SenderMailbox { get; init; }

    /// <summary>The recipients every recipient stage accepted, in order, each address once (compared case-insensitively).</summary>
    public IReadOnlyList<AcceptanceRecipient> Recipients => _recipients;

    internal void Add(AcceptanceRecipient recipient)
    {
        foreach (var known in _recipients)
        {
            if (string.Equals(known.Address, recipient.Address, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        _recipients.Add(recipient);
    }
}

/// <summary>One recipient under consideration by the acceptance stages.</summary>
public sealed class AcceptanceRecipient
{
    public AcceptanceRecipient(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
    }

    /// <summary>The forward-path as given (RFC 5321 §4.1.2 <c>Mailbox</c>).</summary>
    public string Address { get; }

    /// <summary>
    /// The local mailbox the address names (found by <see cref="LocalRecipientPolicy"/>); null for a
    /// recipient of another operator.
    /// </summary>
    public MailboxRecord? Mailbox { get; set; }

    /// <summary>Whether the recipient is a mailbox of this operator.</summary>
    public bool IsLocal => Mailbox is not null;
}
