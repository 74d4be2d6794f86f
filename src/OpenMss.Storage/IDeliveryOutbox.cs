namespace OpenMss.Storage;

/// <summary>
/// The durable outbox of post-delivery events, for consumers that must not miss one (patient
/// notifications): for each registered consumer, one row per delivered copy written in the
/// delivery's own transaction (so a row exists if and only if the delivery committed), read in
/// order, leased, and deleted once handled. Delivery is at least once: a consumer is idempotent by
/// <see cref="OutboxEntry.Id"/>. <see cref="Outbox.OutboxDispatcher"/> runs the loop. See "Delivery
/// events and the outbox" in docs/architecture.md.
/// </summary>
/// <remarks>
/// Rows are written only for the consumers registered when the delivery is made, so a store with
/// none (the professional relay) pays nothing. Every node sharing a database must register the
/// same consumers (<see cref="StorageOptions.OutboxConsumers"/>, from the shared configuration),
/// whether or not it runs their dispatcher: a node that delivers without registering a consumer
/// writes no row for it. Handled rows are deleted at once, not kept for a retention period: the
/// audit trail is the record of deliveries.
/// </remarks>
public interface IDeliveryOutbox
{
    /// <summary>
    /// Registers a durable consumer (e.g. <c>patient-notifications</c>): every delivery committed
    /// from now on writes a row for it. Registering a name twice is harmless.
    /// </summary>
    void RegisterOutboxConsumer(string consumer);

    /// <summary>
    /// Leases up to <paramref name="max"/> of the consumer's rows that nobody holds (or whose lease
    /// ran out), oldest first, for <paramref name="leaseFor"/>: other nodes skip them meanwhile
    /// (<c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL). Rows whose mailbox was deleted are dropped.
    /// </summary>
    Task<IReadOnlyList<OutboxEntry>> LeaseOutboxAsync(string consumer, int max, TimeSpan leaseFor, CancellationToken cancellationToken = default);

    /// <summary>Deletes handled rows (ids already gone are ignored: completing twice is harmless).</summary>
    Task CompleteOutboxAsync(IReadOnlyList<long> outboxIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="onPending"/> after a commit wrote outbox rows, on this node and (on
    /// PostgreSQL, through the folder-change <c>NOTIFY</c> channel) on the others, and once after
    /// the listener reconnects. A wake-up only: it carries nothing, and one may be lost, hence the
    /// dispatcher's safety poll.
    /// </summary>
    IDisposable SubscribeOutboxPending(Action onPending);
}

/// <summary>One leased outbox row: its id (the idempotency key) and the event it records.</summary>
public sealed record OutboxEntry(long Id, DeliveryEvent Event);
