using OpenMss.Core.Access;

namespace OpenMss.Smtp.Inbound.Submission;

/// <summary>
/// Who authenticated on a submission session: a professional (idNat_PS) or an application
/// (certificate address), and the mailbox named as SASL authorization identity (RFC 4616
/// <c>authzid</c>), the only one it then sends as.
/// </summary>
/// <param name="Mechanism">The SASL mechanism used (for the audit trail).</param>
/// <param name="AuthorizedMailbox">The <c>ORG</c>/<c>CAB</c>/<c>APP</c> address given as authzid, lower-cased; null when none.</param>
public sealed record SubmissionPrincipal(AccessActor Actor, string Mechanism, string? DisplayName, string? PersonalAddress, string? AuthorizedMailbox)
{
    /// <summary>The idNat_PS or the application's address, as recorded in the audit trail.</summary>
    public string AuditActor => Actor.Id;
}
