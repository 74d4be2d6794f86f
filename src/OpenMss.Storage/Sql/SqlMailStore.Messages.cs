using System.Data.Common;
using System.Globalization;

namespace OpenMss.Storage.Sql;

internal abstract partial class SqlMailStore
{
    public async Task<IReadOnlyList<StoredMessageRef>> DeliverAsync(InboundMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Recipients.Count == 0)
        {
            throw new ArgumentException("A message needs at least one recipient.", nameof(message));
        }

        var recipients = message.Recipients.Select(NormalizeAddress).Distinct(StringComparer.Ordinal).ToArray();
        var sender = message.MailFrom.Length == 0 ? null : message.MailFrom;
        var prepared = Prepare(message.Raw, message.SenderKind, sender);
        var internalDate = Truncate(message.ReceivedAt);
        var copies = await StoreDeliveryAsync(recipients, prepared, internalDate, message.Audit, cancellationToken).ConfigureAwait(false);

        // IMAP sessions idling on these folders, then the delivery event's subscribers and the
        // outbox's dispatchers, learn of the message once it is committed.
        var stored = new StoredMessageRef[copies.Count];
        for (var i = 0; i < stored.Length; i++)
        {
            stored[i] = copies[i].Stored;
            folderChanges.Publish(stored[i].FolderId);
        }

        RaiseDelivered(copies, prepared, message.SenderKind, sender, internalDate);
        return stored;
    }

    /// <summary>
    /// Stores one delivery in the group commit: a UID slot in each recipient's INBOX, the bytes
    /// once, one message row per recipient, when audited one audit row per recipient, and one
    /// outbox row per recipient and registered consumer (<see cref="PreparedMessage.OutboxConsumers"/>);
    /// throws <see cref="MailboxNotFoundException"/> (storing nothing) when a recipient has no mailbox.
    /// </summary>
    /// <param name="recipients">Normalised, distinct addresses.</param>
    /// <returns>The copies, in the order of <paramref name="recipients"/>.</returns>
    protected virtual Task<IReadOnlyList<DeliveredCopy>> StoreDeliveryAsync(
        string[] recipients, PreparedMessage prepared, DateTimeOffset internalDate, DeliveryAudit? audit, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<DeliveredCopy>>(async (session, ct) =>
        {
            // UID counters are taken in address order, so that writers sharing a PostgreSQL
            // database lock the same folders in the same order and cannot deadlock.
            var order = Enumerable.Range(0, recipients.Length).OrderBy(i => recipients[i], StringComparer.Ordinal);
            var slots = new MessageSlot[recipients.Length];
            foreach (var i in order)
            {
                slots[i] = await TakeSlotAsync(session,
                        "UPDATE folders SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1, message_count = message_count + 1 " +
                        "WHERE id = (SELECT f.id FROM mailboxes m JOIN folders f ON f.mailbox_id = m.id WHERE m.address = @key AND f.name = 'INBOX') " +
                        "RETURNING id, uid_next - 1, highest_modseq, mailbox_id",
                        recipients[i], ct).ConfigureAwait(false)
                    ?? throw new MailboxNotFoundException(recipients[i]);
            }

            await InsertMessagesAsync(session, prepared, slots, MessageFlags.None, internalDate, ct).ConfigureAwait(false);
            if (audit is not null)
            {
                foreach (var recipient in recipients)
                {
                    await InsertAuditAsync(session, internalDate, audit.Actor, recipient, "deliver", "ok", audit.ClientAddress, null, ct).ConfigureAwait(false);
                }
            }

            var copies = new DeliveredCopy[recipients.Length];
            for (var i = 0; i < copies.Length; i++)
            {
                await InsertOutboxAsync(session, prepared, slots[i], internalDate, ct).ConfigureAwait(false);
                copies[i] = new DeliveredCopy(new StoredMessageRef(recipients[i], slots[i].FolderId, slots[i].Uid), slots[i].MailboxId);
            }

            return copies;
        }, cancellationToken);

    public async Task<StoredMessageRef> AppendAsync(long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default)
    {
        var prepared = Prepare(raw, DeliverySenderKind.Append, sender: null);
        var date = Truncate(internalDate);
        var (stored, inbox) = await WriteAsync(async (session, ct) =>
        {
            string mailboxAddress;
            bool isInbox;
            var reader = await session.Command("SELECT m.address, f.name FROM folders f JOIN mailboxes m ON m.id = f.mailbox_id WHERE f.id = @folder")
                .With("folder", folderId)
                .ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    throw new FolderNotFoundException(folderId);
                }

                mailboxAddress = reader.GetString(0);
                isInbox = reader.GetString(1) == StandardFolders.Inbox;
            }

            var slot = await TakeSlotAsync(session,
                    "UPDATE folders SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1, message_count = message_count + 1 " +
                    "WHERE id = @key RETURNING id, uid_next - 1, highest_modseq, mailbox_id",
                    folderId, ct).ConfigureAwait(false)
                ?? throw new FolderNotFoundException(folderId);
            await InsertMessagesAsync(session, prepared, [slot], flags, date, ct).ConfigureAwait(false);

            // Only an APPEND to the INBOX puts a message before its recipient (DeliverySenderKind.Append).
            if (isInbox)
            {
                await InsertOutboxAsync(session, prepared, slot, date, ct).ConfigureAwait(false);
            }

            return (new DeliveredCopy(new StoredMessageRef(mailboxAddress, folderId, slot.Uid), slot.MailboxId), isInbox);
        }, cancellationToken).ConfigureAwait(false);
        folderChanges.Publish(folderId);
        if (inbox)
        {
            RaiseDelivered([stored], prepared, DeliverySenderKind.Append, sender: null, date);
        }

        return stored.Stored;
    }

    public async Task<IReadOnlyList<MessageSummary>> ListMessagesAsync(long folderId, long fromUid = 1, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var reader = await session.Command(
                    "SELECT uid, flags, keywords, internal_date, size, envelope FROM messages " +
                    "WHERE folder_id = @folder AND uid >= @from ORDER BY uid LIMIT @limit")
                .With("folder", folderId)
                .With("from", fromUid)
                .With("limit", limit)
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var result = new List<MessageSummary>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var keywords = reader.GetNullableString(2);
                    result.Add(new MessageSummary(
                        reader.GetInt64(0),
                        (MessageFlags)reader.GetInt64(1),
                        string.IsNullOrEmpty(keywords) ? [] : keywords.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                        GetTime(reader, 3),
                        reader.GetInt64(4),
                        EnvelopeCodec.Deserialize(Cipher.Decrypt(reader.GetBytes(5), EnvelopePurpose))));
                }

                return result;
            }
        }
    }

    public async Task<byte[]?> ReadMessageAsync(long folderId, long uid, CancellationToken cancellationToken = default)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var data = await session.Command(
                    "SELECT b.data FROM messages m JOIN message_blobs b ON b.id = m.blob_id WHERE m.folder_id = @folder AND m.uid = @uid")
                .With("folder", folderId)
                .With("uid", uid)
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return data is byte[] sealedBlob ? Cipher.Decrypt(sealedBlob, MessagePurpose) : null;
        }
    }

    private PreparedMessage Prepare(ReadOnlyMemory<byte> raw, DeliverySenderKind senderKind, string? sender)
    {
        var envelope = EnvelopeCodec.Parse(raw, out var references);
        var (filter, text) = SearchFilters.Build(raw);
        var thread = new MessageThread(envelope.MessageId, envelope.InReplyTo, references);
        var consumers = OutboxConsumers;
        return new PreparedMessage(
            Cipher.Encrypt(raw.Span, MessagePurpose),
            Cipher.Encrypt(EnvelopeCodec.Serialize(envelope), EnvelopePurpose),
            raw.Length,
            filter,
            text is null ? null : Cipher.Encrypt(text, SearchTextPurpose))
        {
            SealedSearchHead = text is null ? null : Cipher.Encrypt(SearchText.Head(text), SearchHeadPurpose),
            Thread = thread,
            OutboxConsumers = consumers,
            SealedOutboxFields = consumers.Length == 0 ? null : SealOutboxFields(senderKind, sender, thread),
        };
    }

    /// <summary>
    /// Takes a folder's next UID and mod-sequence from its own row (never <c>MAX(uid)</c>, whose
    /// cost grows with the folder); null when the folder (or mailbox) does not exist.
    /// </summary>
    private static async ValueTask<MessageSlot?> TakeSlotAsync(DbSession session, string sql, object key, CancellationToken ct)
    {
        var reader = await session.Command(sql).With("key", key).ExecuteReaderAsync(ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(ct).ConfigureAwait(false)
                ? new MessageSlot(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.FieldCount > 3 ? reader.GetInt64(3) : 0)
                : null;
        }
    }

    /// <summary>Stores the bytes once and one message row per slot (the blob counts one reference per row).</summary>
    protected virtual async ValueTask InsertMessagesAsync(
        DbSession session, PreparedMessage prepared, IReadOnlyList<MessageSlot> slots, MessageFlags flags, DateTimeOffset internalDate, CancellationToken ct)
    {
        var blobId = Convert.ToInt64(
            await session.Command("INSERT INTO message_blobs (refs, size, data) VALUES (@refs, @size, @data) RETURNING id")
                .With("refs", slots.Count)
                .With("size", prepared.Size)
                .With("data", prepared.SealedBlob)
                .ExecuteScalarAsync(ct).ConfigureAwait(false),
            CultureInfo.InvariantCulture);
        if (prepared.SealedSearchText is { } text)
        {
            // (A blob id SQLite reuses never meets a leftover row: rows go with their blob, ON DELETE CASCADE.)
            await session.Command("INSERT INTO message_search_texts (blob_id, data) VALUES (@blob, @data)")
                .With("blob", blobId)
                .With("data", text)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        if (prepared.SealedSearchHead is { } head)
        {
            await session.Command("INSERT INTO message_search_heads (blob_id, data) VALUES (@blob, @data)")
                .With("blob", blobId)
                .With("data", head)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        foreach (var slot in slots)
        {
            await session.Command(
                    "INSERT INTO messages (folder_id, uid, blob_id, flags, keywords, internal_date, size, modseq, envelope, search_filter) " +
                    "VALUES (@folder, @uid, @blob, @flags, NULL, @date, @size, @modseq, @envelope, @filter)")
                .With("folder", slot.FolderId)
                .With("uid", slot.Uid)
                .With("blob", blobId)
                .With("flags", (long)flags)
                .With("date", TimeValue(internalDate))
                .With("size", prepared.Size)
                .With("modseq", slot.ModSeq)
                .With("envelope", prepared.SealedEnvelope)
                .With("filter", prepared.SearchFilter)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private static async ValueTask ReleaseBlobAsync(DbSession session, long blobId, CancellationToken ct)
    {
        await session.Command("UPDATE message_blobs SET refs = refs - 1 WHERE id = @blob")
            .With("blob", blobId)
            .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await session.Command("DELETE FROM message_blobs WHERE id = @blob AND refs <= 0")
            .With("blob", blobId)
            .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>
/// Message bytes and envelope, encrypted on the caller's thread before the operation joins the
/// writer's queue, so that parsing and AES run in parallel across sessions and the single writer
/// only executes SQL.
/// </summary>
/// <remarks>
/// <see cref="SearchFilter"/> and <see cref="SealedSearchText"/> (see <c>Search/</c>) are null when
/// the message could not be parsed: SEARCH then reads and parses the message itself.
/// </remarks>
internal sealed record PreparedMessage(byte[] SealedBlob, byte[] SealedEnvelope, long Size, byte[]? SearchFilter, byte[]? SealedSearchText)
{
    /// <summary>The sealed head of the search text (<see cref="SearchText.Head"/>), null with it.</summary>
    public byte[]? SealedSearchHead { get; init; }

    /// <summary>The thread identifiers of the header, for the delivery event.</summary>
    public MessageThread Thread { get; init; } = MessageThread.None;

    /// <summary>The durable consumers registered when the message was prepared: one outbox row per copy for each.</summary>
    public string[] OutboxConsumers { get; init; } = [];

    /// <summary>The sealed sender and thread identifiers of the outbox rows (purpose <c>openmss/delivery-outbox/v1</c>); null without consumers.</summary>
    public byte[]? SealedOutboxFields { get; init; }
}

/// <summary>The <c>Message-ID</c>, <c>In-Reply-To</c> and <c>References</c> headers as written (RFC 5322 §3.6.4).</summary>
internal sealed record MessageThread(string? MessageId, string? InReplyTo, string? References)
{
    public static readonly MessageThread None = new(null, null, null);
}

/// <summary>The place a new message takes in a folder (and the mailbox the folder belongs to, when the statement returns it).</summary>
internal readonly record struct MessageSlot(long FolderId, long Uid, long ModSeq, long MailboxId = 0);

/// <summary>One copy of a delivery as stored, with the id of the recipient's mailbox.</summary>
internal readonly record struct DeliveredCopy(StoredMessageRef Stored, long MailboxId);
