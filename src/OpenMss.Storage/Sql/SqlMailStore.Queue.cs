using System.Data.Common;
using System.Globalization;

namespace OpenMss.Storage.Sql;

internal abstract partial class SqlMailStore
{
    private const string RecipientColumns = "id, address, notify, orcpt, state, status, diagnostic";

    public Task<IReadOnlyList<long>> EnqueueAsync(OutboundMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Recipients.Count == 0)
        {
            throw new ArgumentException("A message needs at least one recipient.", nameof(message));
        }

        // One entry per destination domain: one SMTP transaction per operator, all its recipients in it.
        var byDomain = message.Recipients.GroupBy(r => DomainOf(r.Address), StringComparer.Ordinal).ToArray();
        var sealedBlob = Cipher.Encrypt(message.Raw.Span, MessagePurpose);
        var size = (long)message.Raw.Length;
        var queuedAt = Truncate(message.QueuedAt);
        return WriteAsync<IReadOnlyList<long>>(async (session, ct) =>
        {
            var blobId = Convert.ToInt64(
                await session.Command("INSERT INTO message_blobs (refs, size, data) VALUES (@refs, @size, @data) RETURNING id")
                    .With("refs", byDomain.Length)
                    .With("size", size)
                    .With("data", sealedBlob)
                    .ExecuteScalarAsync(ct).ConfigureAwait(false),
                CultureInfo.InvariantCulture);
            var ids = new long[byDomain.Length];
            for (var i = 0; i < byDomain.Length; i++)
            {
                var entryId = Convert.ToInt64(
                    await session.Command(
                            "INSERT INTO queue_entries (mail_from, domain, envid, ret, size, blob_id, queued_at, next_attempt_at, attempts, delay_notified) " +
                            "VALUES (@from, @domain, @envid, @ret, @size, @blob, @queued, @queued, 0, @notified) RETURNING id")
                        .With("from", message.MailFrom)
                        .With("domain", byDomain[i].Key)
                        .With("envid", message.EnvelopeId)
                        .With("ret", message.ReturnFullMessage)
                        .With("size", size)
                        .With("blob", blobId)
                        .With("queued", TimeValue(queuedAt))
                        .With("notified", false)
                        .ExecuteScalarAsync(ct).ConfigureAwait(false),
                    CultureInfo.InvariantCulture);
                foreach (var recipient in byDomain[i])
                {
                    await session.Command(
                            "INSERT INTO queue_recipients (entry_id, address, notify, orcpt, state) VALUES (@entry, @address, @notify, @orcpt, 0)")
                        .With("entry", entryId)
                        .With("address", recipient.Address)
                        .With("notify", (long)recipient.Notify)
                        .With("orcpt", recipient.OriginalRecipient)
                        .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                ids[i] = entryId;
            }

            return ids;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<QueueEntry>> LeaseDueAsync(DateTimeOffset now, int max, TimeSpan leaseFor, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseFor, TimeSpan.Zero);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        var at = Truncate(now);
        var until = Truncate(now + leaseFor);
        return WriteAsync<IReadOnlyList<QueueEntry>>(async (session, ct) =>
        {
            var leased = new List<QueueEntry>();
            var reader = await session.Command(LeaseDueSql)
                .With("now", TimeValue(at))
                .With("max", max)
                .With("owner", owner)
                .With("until", TimeValue(until))
                .ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    leased.Add(ReadQueueEntry(reader, []));
                }
            }

            // RETURNING keeps no order: give the caller the most overdue first.
            leased.Sort((a, b) => a.NextAttemptAt != b.NextAttemptAt ? a.NextAttemptAt.CompareTo(b.NextAttemptAt) : a.Id.CompareTo(b.Id));
            for (var i = 0; i < leased.Count; i++)
            {
                leased[i] = leased[i] with { Recipients = await ReadRecipientsAsync(session, leased[i].Id, ct).ConfigureAwait(false) };
            }

            return leased;
        }, cancellationToken);
    }

    public Task<bool> RenewLeaseAsync(long entryId, string owner, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        var at = Truncate(until);

        // Conditional on the owner: a worker whose lease another one has taken must not take it back.
        return WriteAsync(async (session, ct) =>
            await session.Command("UPDATE queue_entries SET lease_until = @until WHERE id = @entry AND lease_owner = @owner")
                .With("until", TimeValue(at))
                .With("entry", entryId)
                .With("owner", owner)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0,
            cancellationToken);
    }

    public Task<bool> ReleaseLeaseAsync(long entryId, string owner, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        var next = Truncate(nextAttemptAt);
        return WriteAsync(async (session, ct) =>
            await session.Command("UPDATE queue_entries SET next_attempt_at = @next, lease_owner = NULL, lease_until = NULL WHERE id = @entry AND lease_owner = @owner")
                .With("next", TimeValue(next))
                .With("entry", entryId)
                .With("owner", owner)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0,
            cancellationToken);
    }

    public async Task<byte[]?> ReadQueuedMessageAsync(long entryId, CancellationToken cancellationToken = default)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var data = await session.Command("SELECT b.data FROM queue_entries q JOIN message_blobs b ON b.id = q.blob_id WHERE q.id = @entry")
                .With("entry", entryId)
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return data is byte[] sealedBlob ? Cipher.Decrypt(sealedBlob, MessagePurpose) : null;
        }
    }

    public Task RecordAttemptAsync(QueueAttempt attempt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var next = Truncate(attempt.NextAttemptAt);
        return WriteAsync(async (session, ct) =>
        {
            var holder = await session.Command("SELECT lease_owner FROM queue_entries WHERE id = @entry")
                .With("entry", attempt.EntryId)
                .ExecuteScalarAsync(ct).ConfigureAwait(false);
            if (holder is null)
            {
                // Dropped by an operator while it was being delivered: nothing left to record.
                return false;
            }

            if (holder is not string leaseOwner || !string.Equals(leaseOwner, attempt.LeaseOwner, StringComparison.Ordinal))
            {
                throw new QueueLeaseLostException(attempt.EntryId, attempt.LeaseOwner);
            }

            foreach (var outcome in attempt.Outcomes)
            {
                await session.Command("UPDATE queue_recipients SET state = @state, status = @status, diagnostic = @diagnostic WHERE id = @id AND entry_id = @entry")
                    .With("state", (long)outcome.State)
                    .With("status", outcome.Status)
                    .With("diagnostic", outcome.Diagnostic)
                    .With("id", outcome.RecipientId)
                    .With("entry", attempt.EntryId)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            var pending = Convert.ToInt64(
                await session.Command("SELECT COUNT(*) FROM queue_recipients WHERE entry_id = @entry AND state = 0")
                    .With("entry", attempt.EntryId)
                    .ExecuteScalarAsync(ct).ConfigureAwait(false),
                CultureInfo.InvariantCulture);
            if (pending == 0)
            {
                await DeleteQueueEntryAsync(session, attempt.EntryId, ct).ConfigureAwait(false);
                return true;
            }

            await session.Command(
                    "UPDATE queue_entries SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error, delay_notified = @delay, " +
                    "lease_owner = NULL, lease_until = NULL WHERE id = @entry")
                .With("next", TimeValue(next))
                .With("error", attempt.LastError)
                .With("delay", attempt.DelayNotified)
                .With("entry", attempt.EntryId)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<QueueEntry>> ListQueueAsync(CancellationToken cancellationToken = default)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var recipients = new Dictionary<long, List<QueueRecipient>>();
            var reader = await session.Command($"SELECT entry_id, {RecipientColumns} FROM queue_recipients ORDER BY entry_id, id")
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var entryId = reader.GetInt64(0);
                    if (!recipients.TryGetValue(entryId, out var list))
                    {
                        recipients[entryId] = list = [];
                    }

                    list.Add(ReadRecipient(reader, 1));
                }
            }

            var entries = new List<QueueEntry>();
            reader = await session.Command($"SELECT {QueueColumns} FROM queue_entries ORDER BY next_attempt_at, id")
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var id = reader.GetInt64(0);
                    entries.Add(ReadQueueEntry(reader, recipients.TryGetValue(id, out var list) ? list : []));
                }
            }

            return entries;
        }
    }

    public async Task<QueueEntry?> FindQueueEntryAsync(long entryId, CancellationToken cancellationToken = default)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            QueueEntry entry;
            var reader = await session.Command($"SELECT {QueueColumns} FROM queue_entries WHERE id = @entry")
                .With("entry", entryId)
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                entry = ReadQueueEntry(reader, []);
            }

            return entry with { Recipients = await ReadRecipientsAsync(session, entryId, cancellationToken).ConfigureAwait(false) };
        }
    }

    public Task<bool> RetryNowAsync(long entryId, CancellationToken cancellationToken = default)
    {
        var now = Truncate(Time.GetUtcNow());
        return WriteAsync(async (session, ct) =>
            await session.Command("UPDATE queue_entries SET next_attempt_at = @now, lease_owner = NULL, lease_until = NULL WHERE id = @entry")
                .With("now", TimeValue(now))
                .With("entry", entryId)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0,
            cancellationToken);
    }

    public Task<bool> DropAsync(long entryId, CancellationToken cancellationToken = default) =>
        WriteAsync((session, ct) => DeleteQueueEntryAsync(session, entryId, ct), cancellationToken);

    public async Task<long> CountQueueAsync(CancellationToken cancellationToken = default)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            return Convert.ToInt64(
                await session.Command("SELECT COUNT(*) FROM queue_entries").ExecuteScalarAsync(cancellationToken).ConfigureAwait(false),
                CultureInfo.InvariantCulture);
        }
    }

    private static async ValueTask<bool> DeleteQueueEntryAsync(DbSession session, long entryId, CancellationToken ct)
    {
        await session.Command("DELETE FROM queue_recipients WHERE entry_id = @entry")
            .With("entry", entryId)
            .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        var blob = await session.Command("DELETE FROM queue_entries WHERE id = @entry RETURNING blob_id")
            .With("entry", entryId)
            .ExecuteScalarAsync(ct).ConfigureAwait(false);
        if (blob is null or DBNull)
        {
            return false;
        }

        await ReleaseBlobAsync(session, Convert.ToInt64(blob, CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
        return true;
    }

    private static async ValueTask<IReadOnlyList<QueueRecipient>> ReadRecipientsAsync(DbSession session, long entryId, CancellationToken ct)
    {
        var recipients = new List<QueueRecipient>();
        var reader = await session.Command($"SELECT {RecipientColumns} FROM queue_recipients WHERE entry_id = @entry ORDER BY id")
            .With("entry", entryId)
            .ExecuteReaderAsync(ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                recipients.Add(ReadRecipient(reader, 0));
            }
        }

        return recipients;
    }

    private static QueueRecipient ReadRecipient(DbDataReader reader, int first) => new(
        reader.GetInt64(first),
        reader.GetString(first + 1),
        (DsnNotify)reader.GetInt64(first + 2),
        reader.GetNullableString(first + 3),
        (RecipientState)reader.GetInt64(first + 4),
        reader.GetNullableString(first + 5),
        reader.GetNullableString(first + 6));

    private QueueEntry ReadQueueEntry(DbDataReader reader, IReadOnlyList<QueueRecipient> recipients) => new(
        Id: reader.GetInt64(0),
        MailFrom: reader.GetString(1),
        Domain: reader.GetString(2),
        EnvelopeId: reader.GetNullableString(3),
        ReturnFullMessage: reader.GetBoolean(4),
        Size: reader.GetInt64(5),
        QueuedAt: GetTime(reader, 6),
        NextAttemptAt: GetTime(reader, 7),
        Attempts: (int)reader.GetInt64(8),
        DelayNotified: reader.GetBoolean(9),
        LastError: reader.GetNullableString(10),
        LeaseOwner: reader.GetNullableString(11),
        LeaseUntil: GetNullableTime(reader, 12),
        Recipients: recipients);

    private static string DomainOf(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            throw new ArgumentException($"The recipient '{address}' has no domain.", nameof(address));
        }

        return address[(at + 1)..].Trim().ToLowerInvariant();
    }
}
