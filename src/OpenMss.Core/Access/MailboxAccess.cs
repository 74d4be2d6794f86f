namespace OpenMss.Core.Access;

/// <summary>Who asks to use a mailbox: a professional (by idNat_PS) or software (by its application certificate).</summary>
public enum AccessActorKind
{
    /// <summary>A professional authenticated as themself (password, Pro Santé Connect token).</summary>
    Professional,

    /// <summary>Software authenticated by its application certificate (TLS client certificate, SASL <c>EXTERNAL</c>).</summary>
    Application,
}

/// <summary>
/// The authenticated party asking to use a mailbox. A professional is named by its idNat_PS; an
/// application by the e-mail addresses (<c>rfc822Name</c> subject alternative names) of its
/// certificate, which name the <c>APP</c> mailboxes it serves.
/// </summary>
public sealed record AccessActor
{
    private AccessActor(AccessActorKind kind, string id, IReadOnlyList<string> certifiedAddresses)
    {
        Kind = kind;
        Id = id;
        CertifiedAddresses = certifiedAddresses;
    }

    public AccessActorKind Kind { get; }

    /// <summary>The idNat_PS of a professional; the first certified address of an application (what the audit trail records).</summary>
    public string Id { get; }

    /// <summary>The <c>rfc822Name</c>s of an application certificate; empty for a professional.</summary>
    public IReadOnlyList<string> CertifiedAddresses { get; }

    /// <summary>A professional identified by <paramref name="idNatPs"/> (compared exactly, surrounding spaces ignored).</summary>
    public static AccessActor Professional(string idNatPs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idNatPs);
        return new AccessActor(AccessActorKind.Professional, idNatPs.Trim(), []);
    }

    /// <summary>Software whose certificate names <paramref name="certifiedAddresses"/> (SAN <c>rfc822Name</c>).</summary>
    public static AccessActor Application(IEnumerable<string> certifiedAddresses)
    {
        ArgumentNullException.ThrowIfNull(certifiedAddresses);
        var addresses = certifiedAddresses
            .Where(a => !string.IsNullOrWhiteSpace(a))
            .Select(a => a.Trim().ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        if (addresses.Length == 0)
        {
            throw new ArgumentException("An application certificate names at least one address.", nameof(certifiedAddresses));
        }

        return new AccessActor(AccessActorKind.Application, addresses[0], addresses);
    }
}

/// <summary>The mailbox asked for: its address, kind and owner (the idNat_PS of a <c>PER</c> mailbox).</summary>
public sealed record MailboxAccessTarget(string Address, MailboxKind Kind, string? OwnerId);

/// <summary>Why access was refused.</summary>
public enum AccessRefusal
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>A <c>PER</c> mailbox asked for by a professional who does not own it.</summary>
    NotOwner,

    /// <summary>An <c>ORG</c> or <c>CAB</c> mailbox asked for by a professional who is not a member.</summary>
    NotMember,

    /// <summary>An <c>APP</c> mailbox asked for by a professional, or by software whose certificate names another address.</summary>
    NotTheApplication,

    /// <summary>A <c>PER</c>, <c>ORG</c> or <c>CAB</c> mailbox asked for by software: application certificates reach only <c>APP</c> mailboxes.</summary>
    ApplicationNotAllowed,
}

/// <summary>The verdict of <see cref="MailboxAccess.Decide"/>, with a reason a person can read in French and in English.</summary>
public sealed record AccessDecision(bool IsAllowed, AccessRefusal Refusal, string French, string English)
{
    internal static readonly AccessDecision Allowed = new(true, AccessRefusal.None, "Accès autorisé.", "Access granted.");
}

/// <summary>
/// The rule "who may use which mailbox" (issue 4 point 4), as a pure function so that
/// IMAP, submission and the HTTP API apply the same one: <c>PER</c> by its owner only, <c>ORG</c>
/// and <c>CAB</c> by their members, <c>APP</c> by the application certificate naming its address.
/// </summary>
public static class MailboxAccess
{
    /// <summary>Decides whether <paramref name="actor"/> may use <paramref name="mailbox"/>.</summary>
    /// <param name="isMember">Whether the actor is a member of the mailbox (looked up by the caller; only used for <c>ORG</c> and <c>CAB</c>).</param>
    public static AccessDecision Decide(AccessActor actor, MailboxAccessTarget mailbox, bool isMember)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(mailbox);
        if (mailbox.Kind == MailboxKind.Applicative)
        {
            var address = mailbox.Address.Trim();
            return actor.Kind == AccessActorKind.Application
                && actor.CertifiedAddresses.Any(a => string.Equals(a, address, StringComparison.OrdinalIgnoreCase))
                ? AccessDecision.Allowed
                : Refuse(AccessRefusal.NotTheApplication, mailbox.Address);
        }

        if (actor.Kind == AccessActorKind.Application)
        {
            return Refuse(AccessRefusal.ApplicationNotAllowed, mailbox.Address);
        }

        return mailbox.Kind switch
        {
            MailboxKind.Personal => mailbox.OwnerId is { } owner && string.Equals(owner.Trim(), actor.Id, StringComparison.Ordinal)
                ? AccessDecision.Allowed
                : Refuse(AccessRefusal.NotOwner, mailbox.Address),
            MailboxKind.Organisational or MailboxKind.Practice => isMember
                ? AccessDecision.Allowed
                : Refuse(AccessRefusal.NotMember, mailbox.Address),
            _ => throw new ArgumentOutOfRangeException(nameof(mailbox), mailbox.Kind, "Unknown mailbox kind."),
        };
    }

    private static AccessDecision Refuse(AccessRefusal refusal, string address) => refusal switch
    {
        AccessRefusal.NotOwner => new(false, refusal,
            $"La boîte {address} est nominative : seul son titulaire peut l'utiliser.",
            $"Mailbox {address} is personal: only its owner may use it."),
        AccessRefusal.NotMember => new(false, refusal,
            $"Vous n'êtes pas membre de la boîte partagée {address}.",
            $"You are not a member of the shared mailbox {address}."),
        AccessRefusal.NotTheApplication => new(false, refusal,
            $"La boîte applicative {address} n'est accessible qu'avec le certificat applicatif qui la nomme.",
            $"Applicative mailbox {address} may only be used with the application certificate naming it."),
        AccessRefusal.ApplicationNotAllowed => new(false, refusal,
            $"Un certificat applicatif ne donne accès qu'aux boîtes applicatives ; {address} n'en est pas une.",
            $"An application certificate only reaches applicative mailboxes; {address} is not one."),
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null),
    };
}
