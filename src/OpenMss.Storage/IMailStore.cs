namespace OpenMss.Storage;

/// <summary>
/// The operator's durable store: mailboxes, folders, messages, the outbound delivery queue and
/// the audit trail. One interface, two backends (<c>Sqlite/</c>, <c>Postgres/</c>), the same
/// test suite on both.
/// </summary>
/// <remarks>
/// Every write method returns only once its data is durably committed (the SMTP layer answers
/// <c>250</c> after <see cref="DeliverAsync"/> or <see cref="EnqueueAsync"/> returns). Writes from
/// concurrent callers are grouped into one transaction and one fsync (group commit), so the cost
/// of durability is shared across sessions. Message bytes and envelopes are encrypted at rest
/// (AES-GCM) with a key held outside the database.
/// </remarks>
public partial interface IMailStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema to the current version.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    // ---- Mailboxes ---------------------------------------------------------------------

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

    // ---- Folders and messages ----------------------------------------------------------

    Task<IReadOnlyList<FolderRecord>> ListFoldersAsync(long mailboxId, CancellationToken cancellationToken = default);

    Task<FolderRecord?> FindFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Delivers one message to the INBOX of each recipient mailbox in one transaction; the bytes
    /// are stored once whatever the number of recipients. Durable when the task completes.
    /// Recipients are matched case-insensitively and a mailbox listed twice gets one copy; the
    /// result follows the order of the distinct recipients.
    /// </summary>
    /// <exception cref="MailboxNotFoundException">A recipient has no mailbox; nothing was stored for anyone.</exception>
    Task<IReadOnlyList<StoredMessageRef>> DeliverAsync(InboundMessage message, CancellationToken cancellationToken = default);

    /// <summary>Appends a message to one folder (Sent copy, notification, IMAP APPEND). Durable on completion.</summary>
    /// <exception cref="FolderNotFoundException">The folder does not exist.</exception>
    Task<StoredMessageRef> AppendAsync(long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default);

    /// <summary>Lists the messages of a folder in UID order, starting at <paramref name="fromUid"/>.</summary>
    Task<IReadOnlyList<MessageSummary>> ListMessagesAsync(long folderId, long fromUid = 1, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>Reads the raw RFC 5322 bytes of a message (decrypted), or null when absent.</summary>
    Task<byte[]?> ReadMessageAsync(long folderId, long uid, CancellationToken cancellationToken = default);

    // ---- Delivery queue ----------------------------------------------------------------

    /// <summary>
    /// Queues a message for remote delivery: one queue entry per destination domain, each with
    /// its recipients. Durable when the task completes. Returns the entry ids.
    /// </summary>
    Task<IReadOnlyList<long>> EnqueueAsync(OutboundMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases up to <paramref name="max"/> entries whose next attempt is due, for
    /// <paramref name="leaseFor"/>; an entry leased by another worker whose lease has not expired
    /// is skipped (row-level leases: several nodes may share one database).
    /// </summary>
    Task<IReadOnlyList<QueueEntry>> LeaseDueAsync(DateTimeOffset now, int max, TimeSpan leaseFor, string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends the lease of an entry to <paramref name="until"/>, only if <paramref name="owner"/>
    /// still holds it: the heartbeat of a delivery that lasts longer than the lease, so that no
    /// other node takes the entry over and sends it a second time. False when the lease is lost
    /// (taken by another worker after it expired, released by <c>queue retry</c>, or the entry is
    /// gone): the caller must stop and record nothing.
    /// </summary>
    Task<bool> RenewLeaseAsync(long entryId, string owner, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives back a leased entry without an attempt (no attempt counted, nothing else changed):
    /// it is due again at <paramref name="nextAttemptAt"/>. For a worker that leased more entries
    /// for one destination than it delivers to at once. False when <paramref name="owner"/> no
    /// longer holds the lease; nothing was changed.
    /// </summary>
    Task<bool> ReleaseLeaseAsync(long entryId, string owner, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default);

    /// <summary>Reads the raw bytes of a queued message (decrypted).</summary>
    Task<byte[]?> ReadQueuedMessageAsync(long entryId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the outcome of one delivery attempt: recipients delivered or failed for good are
    /// marked; the entry is removed once no recipient is pending, otherwise it is released
    /// for a new attempt at <see cref="QueueAttempt.NextAttemptAt"/>. An entry dropped meanwhile
    /// is ignored.
    /// </summary>
    /// <exception cref="QueueLeaseLostException">The caller no longer holds the lease; nothing was changed.</exception>
    Task RecordAttemptAsync(QueueAttempt attempt, CancellationToken cancellationToken = default);

    /// <summary>Every queue entry with its recipients, the next due first.</summary>
    Task<IReadOnlyList<QueueEntry>> ListQueueAsync(CancellationToken cancellationToken = default);

    Task<QueueEntry?> FindQueueEntryAsync(long entryId, CancellationToken cancellationToken = default);

    /// <summary>Makes an entry due now (and releases its lease). False when it does not exist.</summary>
    Task<bool> RetryNowAsync(long entryId, CancellationToken cancellationToken = default);

    /// <summary>Removes an entry without delivering it. False when it does not exist.</summary>
    Task<bool> DropAsync(long entryId, CancellationToken cancellationToken = default);

    Task<long> CountQueueAsync(CancellationToken cancellationToken = default);

    // ---- Audit trail -------------------------------------------------------------------

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
