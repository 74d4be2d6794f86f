namespace OpenMss.Core;

/// <summary>
/// The kind of an MSSanté mailbox, with its directory code (<c>TRE_R257-TypeBAL</c>).
/// </summary>
public enum MailboxKind
{
    /// <summary><c>PER</c>: nominative, used by one professional (RPPS or ADELI).</summary>
    Personal,

    /// <summary><c>ORG</c>: organisational, shared by the professionals a structure designates.</summary>
    Organisational,

    /// <summary><c>APP</c>: applicative, used by software authenticated by a certificate.</summary>
    Applicative,

    /// <summary><c>CAB</c>: a group practice (<i>cabinet</i>).</summary>
    Practice,
}
