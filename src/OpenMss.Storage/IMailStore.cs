namespace OpenMss.Storage;

/// <summary>
/// The operator's durable store: mailboxes, folders, messages, the outbound delivery queue and
/// the audit trail. The union of the role interfaces (<see cref="IMailboxStore"/>,
/// <see cref="IMessageStore"/>, <see cref="IFolderStore"/>, <see cref="IQueueStore"/>,
/// <see cref="IAuditStore"/>, <see cref="IDeliveryEvents"/>, <see cref="IDeliveryOutbox"/>) plus the store's lifetime: what the composition root opens and
/// hands out, one role per consumer. Two backends (<c>Sqlite/</c>, <c>Postgres/</c>), the same
/// test suite on both.
/// </summary>
/// <remarks>
/// Every write method returns only once its data is durably committed (the SMTP layer answers
/// <c>250</c> after <see cref="IMessageStore.DeliverAsync"/> or <see cref="IQueueStore.EnqueueAsync"/>
/// returns). Writes from concurrent callers are grouped into one transaction and one fsync (group
/// commit), so the cost of durability is shared across sessions. Message bytes and envelopes are
/// encrypted at rest (AES-GCM) with a key held outside the database. A new table gets its own role
/// interface (see docs/architecture.md, "Where a new table goes"), not new members here.
/// </remarks>
public interface IMailStore : IMailboxStore, IMessageStore, IFolderStore, IQueueStore, IAuditStore, IDeliveryEvents, IDeliveryOutbox, IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema to the current version.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);
}
