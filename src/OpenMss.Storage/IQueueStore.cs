namespace OpenMss.Storage;

/// <summary>
/// The outbound delivery queue: one entry per destination domain, leased by delivery workers
/// (row-level leases, so several nodes may share one database), renewed while an attempt lasts,
/// released or recorded after it, and listed or changed by operators.
/// </summary>
public interface IQueueStore
{
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
}
