namespace OpenMss.Storage;

/// <summary>
/// The audit trail: who did what, when and from where, never message content or subject.
/// </summary>
public interface IAuditStore
{
    /// <summary>Appends an audit event (never message content or subject). Durable on completion.</summary>
    Task AppendAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events matching every given criterion, newest first, at most <see cref="AuditQuery.Limit"/>.
    /// <see cref="AuditQuery.From"/> is inclusive, <see cref="AuditQuery.To"/> exclusive; mailboxes
    /// match case-insensitively (they are stored lower-case), actors exactly.
    /// </summary>
    Task<IReadOnlyList<AuditEvent>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the audit events older than <paramref name="before"/> (the retention period: one
    /// year by default, six months at least per the operators' rules). Returns how many were deleted.
    /// </summary>
    Task<long> PurgeAuditAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}
