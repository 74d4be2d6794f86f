using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenMss.Storage.Sql;

/// <summary>The delivery events and the durable delivery outbox (see <c>IDeliveryEvents.cs</c>, <c>IDeliveryOutbox.cs</c>).</summary>
internal abstract partial class SqlMailStore
{
    internal const string OutboxPurpose = "openmss/delivery-outbox/v1";

    /// <summary>
    /// The key of the outbox's wake-up on the folder-change channel: folder ids start at 1, so key 0
    /// is never a folder, and the channel already reaches the other nodes (PostgreSQL
    /// <c>NOTIFY</c>, payload "node:0") and signals every key once after its listener reconnects.
    /// Nodes of an older version ignore it (nobody there subscribes to it).
    /// </summary>
    private const long OutboxSignalKey = 0;

    private readonly Lock outboxGate = new();
    private string[] outboxConsumers = [];

    public DeliveryEventNotifier Deliveries => deliveries;

    /// <summary>The registered durable consumers (a snapshot: registration replaces the array).</summary>
    internal string[] OutboxConsumers => Volatile.Read(ref outboxConsumers);

    /// <summary>
    /// Marks the rows of <c>@consumer</c> that nobody holds (<c>lease_until</c> null or before
    /// <c>@now</c>) as leased to <c>@owner</c> until <c>@until</c>, at most <c>@max</c> of them, oldest first.
    /// </summary>
    protected abstract string LeaseOutboxSql { get; }

    public void RegisterOutboxConsumer(string consumer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        lock (outboxGate)
        {
            if (!outboxConsumers.Contains(consumer, StringComparer.Ordinal))
            {
                string[] registered = [.. outboxConsumers, consumer];
                Volatile.Write(ref outboxConsumers, registered);
            }
        }
    }

    public IDisposable SubscribeOutboxPending(Action onPending) => folderChanges.Subscribe(OutboxSignalKey, onPending);

    public Task<IReadOnlyList<OutboxEntry>> LeaseOutboxAsync(string consumer, int max, TimeSpan leaseFor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseFor, TimeSpan.Zero);
        var now = Truncate(Time.GetUtcNow());
        var until = Truncate(now + leaseFor);

        // A token per lease: the rows read back are exactly those this call took.
        var owner = Guid.NewGuid().ToString("N");
        return WriteAsync<IReadOnlyList<OutboxEntry>>(async (session, ct) =>
        {
            await session.Command(LeaseOutboxSql)
                .With("consumer", consumer)
                .With("now", TimeValue(now))
                .With("until", TimeValue(until))
                .With("owner", owner)
                .With("max", max)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            var entries = new List<OutboxEntry>();
            var orphans = new List<long>();
            var reader = await session.Command(
                    "SELECT o.id, o.mailbox_id, o.folder_id, o.uid, o.created_at, o.fields, m.address " +
                    "FROM delivery_outbox o LEFT JOIN mailboxes m ON m.id = o.mailbox_id " +
                    "WHERE o.consumer = @consumer AND o.lease_owner = @owner ORDER BY o.id")
                .With("consumer", consumer)
                .With("owner", owner)
                .ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var id = reader.GetInt64(0);
                    if (reader.IsDBNull(6))
                    {
                        orphans.Add(id);
                        continue;
                    }

                    var fields = OpenOutboxFields(reader.GetBytes(5));
                    entries.Add(new OutboxEntry(id, new DeliveryEvent(
                        reader.GetInt64(1),
                        reader.GetString(6),
                        reader.GetInt64(2),
                        reader.GetInt64(3),
                        fields.Kind,
                        fields.Sender,
                        fields.MessageId,
                        fields.InReplyTo,
                        fields.References,
                        GetTime(reader, 4))));
                }
            }

            // The mailbox was deleted after the delivery: nobody is left to tell.
            await DeleteOutboxRowsAsync(session, orphans, ct).ConfigureAwait(false);
            return entries;
        }, cancellationToken);
    }

    public Task CompleteOutboxAsync(IReadOnlyList<long> outboxIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outboxIds);
        if (outboxIds.Count == 0)
        {
            return Task.CompletedTask;
        }

        var ids = outboxIds.ToArray();
        return WriteAsync(async (session, ct) =>
        {
            await DeleteOutboxRowsAsync(session, ids, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Writes the outbox rows of one stored copy, one per consumer of <paramref name="prepared"/> (none without consumers).</summary>
    private async ValueTask InsertOutboxAsync(DbSession session, PreparedMessage prepared, MessageSlot slot, DateTimeOffset at, CancellationToken ct)
    {
        foreach (var consumer in prepared.OutboxConsumers)
        {
            await session.Command(
                    "INSERT INTO delivery_outbox (consumer, created_at, mailbox_id, folder_id, uid, fields) " +
                    "VALUES (@consumer, @at, @mailbox, @folder, @uid, @fields)")
                .With("consumer", consumer)
                .With("at", TimeValue(at))
                .With("mailbox", slot.MailboxId)
                .With("folder", slot.FolderId)
                .With("uid", slot.Uid)
                .With("fields", prepared.SealedOutboxFields)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private static async ValueTask DeleteOutboxRowsAsync(DbSession session, IEnumerable<long> ids, CancellationToken ct)
    {
        foreach (var id in ids)
        {
            await session.Command("DELETE FROM delivery_outbox WHERE id = @id")
                .With("id", id)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a committed delivery: one event per copy for the live subscribers (built only when
    /// someone listens), and a wake-up for the outbox's dispatchers when rows were written.
    /// </summary>
    private void RaiseDelivered(IReadOnlyList<DeliveredCopy> copies, PreparedMessage prepared, DeliverySenderKind senderKind, string? sender, DateTimeOffset at)
    {
        if (deliveries.HasSubscribers)
        {
            foreach (var copy in copies)
            {
                deliveries.Publish(new DeliveryEvent(
                    copy.MailboxId, copy.Stored.MailboxAddress, copy.Stored.FolderId, copy.Stored.Uid, senderKind, sender,
                    prepared.Thread.MessageId, prepared.Thread.InReplyTo, prepared.Thread.References, at));
            }
        }

        if (prepared.OutboxConsumers.Length > 0)
        {
            folderChanges.Publish(OutboxSignalKey);
        }
    }

    private byte[] SealOutboxFields(DeliverySenderKind senderKind, string? sender, MessageThread thread) =>
        Cipher.Encrypt(
            JsonSerializer.SerializeToUtf8Bytes(new OutboxFields(senderKind, sender, thread.MessageId, thread.InReplyTo, thread.References), OutboxFieldsJson.Default.OutboxFields),
            OutboxPurpose);

    private OutboxFields OpenOutboxFields(byte[] sealedFields) =>
        JsonSerializer.Deserialize(Cipher.Decrypt(sealedFields, OutboxPurpose), OutboxFieldsJson.Default.OutboxFields)
            ?? throw new InvalidDataException("An outbox row holds no fields.");
}

/// <summary>What an outbox row keeps sealed: who sent the message and its thread identifiers.</summary>
internal sealed record OutboxFields(DeliverySenderKind Kind, string? Sender, string? MessageId, string? InReplyTo, string? References);

[JsonSerializable(typeof(OutboxFields))]
internal sealed partial class OutboxFieldsJson : JsonSerializerContext
{
}
