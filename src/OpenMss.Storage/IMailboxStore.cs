namespace OpenMss.Storage;

/// <summary>
/// The mailboxes of the operator, their owner index, and the membership of shared mailboxes: the
/// professionals, designated by their idNat_PS, who may use an organisational (<c>ORG</c>) or
/// practice (<c>CAB</c>) mailbox. Every membership change writes a <c>member.add</c> /
/// <c>member.remove</c> audit event in the same transaction, so the trail cannot miss a change.
/// </summary>
public interface IMailboxStore
{
    /// <summary>Creates a mailbox with its standard folders (INBOX, Sent, Drafts, Trash, Archive).</summary>
    /// <exception cref="MailboxExistsException">The address is already taken.</exception>
    Task<MailboxRecord> CreateMailboxAsync(NewMailbox mailbox, CancellationToken cancellationToken = default);

    /// <summary>Finds a mailbox by address (case-insensitive).</summary>
    Task<MailboxRecord?> FindMailboxAsync(string address, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MailboxRecord>> ListMailboxesAsync(CancellationToken cancellationToken = default);

    /// <summary>The mailboxes whose owner is this identifier (e.g. a professional's idNat_PS), by address.</summary>
    Task<IReadOnlyList<MailboxRecord>> FindMailboxesByOwnerAsync(string ownerId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a mailbox, its folders and messages. Returns false when it did not exist.</summary>
    Task<bool> DeleteMailboxAsync(string address, CancellationToken cancellationToken = default);

    // ---- Members of shared mailboxes ----------------------------------------------------

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
