namespace OpenMss.Storage;

/// <summary>
/// Membership of shared mailboxes (SPEC §3.2, issue 4 point 4): the professionals, designated by
/// their idNat_PS, who may use an organisational (<c>ORG</c>) or practice (<c>CAB</c>) mailbox.
/// Every change writes a <c>member.add</c> / <c>member.remove</c> audit event in the same
/// transaction, so the trail cannot miss a change.
/// </summary>
public partial interface IMailStore
{
    /// <summary>
    /// Adds <paramref name="member"/> to the mailbox, or updates its display name and role when it
    /// is already a member. True when the professional was not a member before. Durable on completion.
    /// </summary>
    /// <exception cref="MailboxNotFoundException">The mailbox does not exist.</exception>
    Task<bool> AddMemberAsync(string mailboxAddress, NewMember member, MembershipAudit audit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a member; effective for every later <see cref="IsMemberAsync"/>. False (and no audit
    /// event) when the professional was not a member or the mailbox does not exist.
    /// </summary>
    Task<bool> RemoveMemberAsync(string mailboxAddress, string memberId, MembershipAudit audit, CancellationToken cancellationToken = default);

    /// <summary>The members of a mailbox ordered by idNat_PS; empty when the mailbox does not exist.</summary>
    Task<IReadOnlyList<MailboxMember>> ListMembersAsync(string mailboxAddress, CancellationToken cancellationToken = default);

    /// <summary>Whether the professional is a member of the mailbox (one indexed lookup: called at every login and mailbox opening).</summary>
    Task<bool> IsMemberAsync(string mailboxAddress, string memberId, CancellationToken cancellationToken = default);

    /// <summary>The mailboxes a professional is a member of, ordered by address.</summary>
    Task<IReadOnlyList<MailboxMember>> ListMembershipsAsync(string memberId, CancellationToken cancellationToken = default);
}

/// <summary>The function of a member in the structure (for display and the directory; it grants nothing more).</summary>
public enum MemberRole
{
    /// <summary>Pharmacien.</summary>
    Pharmacist,

    /// <summary>Préparateur en pharmacie.</summary>
    Technician,

    Other,
}

/// <summary>A professional to add to a shared mailbox.</summary>
/// <param name="MemberId">The idNat_PS (e.g. <c>810000000001</c>), compared exactly.</param>
public sealed record NewMember(string MemberId, string? DisplayName, MemberRole Role);

/// <summary>One membership of a shared mailbox.</summary>
public sealed record MailboxMember(string MailboxAddress, string MemberId, string? DisplayName, MemberRole Role, DateTimeOffset AddedAt);

/// <summary>Who changes a membership (an administrator, <c>cli</c>, an idNat_PS) and from where, for the audit trail.</summary>
public sealed record MembershipAudit(string Actor, string? ClientAddress = null);
