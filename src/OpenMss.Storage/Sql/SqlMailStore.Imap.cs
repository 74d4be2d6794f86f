using System.Globalization;

namespace OpenMss.Storage.Sql;

/// <summary>The IMAP operations of the store (see <c>IFolderStore.cs</c>).</summary>
internal abstract partial class SqlMailStore
{
    private readonly FolderChangeNotifier folderChanges = new();

    public FolderChangeNotifier FolderChanges => folderChanges;

    private static MessageFlagState ReadFlagState(System.Data.Common.DbDataReader reader) =>
        new(reader.GetInt64(0), (MessageFlags)reader.GetInt64(1), SplitKeywords(reader.GetNullableString(2)), reader.GetInt64(3));

    public Task<IReadOnlyList<MessageFlagState>> ListMessageFlagsAsync(long folderId, long fromUid = 1, CancellationToken cancellationToken = default) =>
        QueryListAsync("SELECT uid, flags, keywords, modseq FROM messages WHERE folder_id = @folder AND uid >= @from ORDER BY uid", c => c.With("folder", folderId).With("from", fromUid), ReadFlagState, cancellationToken);

    public Task<IReadOnlyList<MessageFlagState>> ListMessageFlagsAsync(long folderId, long fromUid, long toUid, CancellationToken cancellationToken = default) =>
        QueryListAsync(
            "SELECT uid, flags, keywords, modseq FROM messages WHERE folder_id = @folder AND uid >= @from AND uid <= @to ORDER BY uid",
            c => c.With("folder", folderId).With("from", fromUid).With("to", toUid),
            ReadFlagState,
            cancellationToken);

    // Gaps and islands: consecutive UIDs share uid - row_number(), one group per run (window functions: SQLite 3.25+, PostgreSQL).
    public Task<IReadOnlyList<UidRun>> ListUidRunsAsync(long folderId, CancellationToken cancellationToken = default) =>
        QueryListAsync(
            "SELECT MIN(uid), COUNT(*) FROM (SELECT uid, uid - ROW_NUMBER() OVER (ORDER BY uid) AS island FROM messages WHERE folder_id = @folder) runs " +
            "GROUP BY island ORDER BY 1",
            c => c.With("folder", folderId),
            r => new UidRun(r.GetInt64(0), r.GetInt64(1)),
            cancellationToken);

    public Task<long?> FindFirstUnseenUidAsync(long folderId, CancellationToken cancellationToken = default) =>
        FolderScalarAsync("SELECT MIN(uid) FROM messages WHERE folder_id = @folder AND (flags & 1) = 0", folderId, cancellationToken);

    public async Task<IReadOnlyList<MessageFlagState>> StoreFlagsAsync(
        long folderId, IReadOnlyList<long> uids, FlagOperation operation, MessageFlags flags, IReadOnlyList<string> keywords, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(keywords);
        var ordered = uids.Distinct().Order().ToArray();
        var result = await WriteAsync<IReadOnlyList<MessageFlagState>>(async (session, ct) =>
        {
            var changed = new List<MessageFlagState>(ordered.Length);
            long? modseq = null;
            foreach (var uid in ordered)
            {
                MessageFlags current;
                string? currentKeywords;
                long currentModSeq;
                var reader = await session.Command("SELECT flags, keywords, modseq FROM messages WHERE folder_id = @folder AND uid = @uid")
                    .With("folder", folderId)
                    .With("uid", uid)
                    .ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        continue;
                    }

                    current = (MessageFlags)reader.GetInt64(0);
                    currentKeywords = reader.GetNullableString(1);
                    currentModSeq = reader.GetInt64(2);
                }

                var oldKeywords = SplitKeywords(currentKeywords);
                var (newFlags, newKeywords) = operation switch
                {
                    FlagOperation.Add => (current | flags, oldKeywords.Union(keywords, StringComparer.OrdinalIgnoreCase).ToArray()),
                    FlagOperation.Remove => (current & ~flags, oldKeywords.Where(k => !keywords.Contains(k, StringComparer.OrdinalIgnoreCase)).ToArray()),
                    _ => (flags, keywords.Distinct(StringComparer.OrdinalIgnoreCase).ToArray()),
                };
                if (newFlags == current && newKeywords.SequenceEqual(oldKeywords, StringComparer.Ordinal))
                {
                    changed.Add(new MessageFlagState(uid, current, oldKeywords, currentModSeq));
                    continue;
                }

                modseq ??= Convert.ToInt64(
                    await session.Command("UPDATE folders SET highest_modseq = highest_modseq + 1 WHERE id = @folder RETURNING highest_modseq")
                        .With("folder", folderId)
                        .ExecuteScalarAsync(ct).ConfigureAwait(false),
                    CultureInfo.InvariantCulture);
                await session.Command("UPDATE messages SET flags = @flags, keywords = @keywords, modseq = @modseq WHERE folder_id = @folder AND uid = @uid")
                    .With("flags", (long)newFlags)
                    .With("keywords", newKeywords.Length == 0 ? null : string.Join(' ', newKeywords))
                    .With("modseq", modseq.Value)
                    .With("folder", folderId)
                    .With("uid", uid)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                changed.Add(new MessageFlagState(uid, newFlags, newKeywords, modseq.Value));
            }

            return changed;
        }, cancellationToken).ConfigureAwait(false);
        folderChanges.Publish(folderId);
        return result;
    }

    public async Task<IReadOnlyList<long>> ExpungeAsync(long folderId, IReadOnlyList<long>? uids = null, CancellationToken cancellationToken = default)
    {
        var only = uids?.ToHashSet();
        var result = await WriteAsync<IReadOnlyList<long>>(async (session, ct) =>
        {
            var victims = new List<(long Uid, long Blob)>();
            var reader = await session.Command("SELECT uid, blob_id, flags FROM messages WHERE folder_id = @folder ORDER BY uid")
                .With("folder", folderId)
                .ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var uid = reader.GetInt64(0);
                    if (((MessageFlags)reader.GetInt64(2) & MessageFlags.Deleted) != 0 && (only is null || only.Contains(uid)))
                    {
                        victims.Add((uid, reader.GetInt64(1)));
                    }
                }
            }

            foreach (var (uid, blob) in victims)
            {
                await session.Command("DELETE FROM messages WHERE folder_id = @folder AND uid = @uid")
                    .With("folder", folderId)
                    .With("uid", uid)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await ReleaseBlobAsync(session, blob, ct).ConfigureAwait(false);
            }

            if (victims.Count > 0)
            {
                await session.Command("UPDATE folders SET message_count = message_count - @n, highest_modseq = highest_modseq + 1 WHERE id = @folder")
                    .With("n", (long)victims.Count)
                    .With("folder", folderId)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return victims.Select(v => v.Uid).ToArray();
        }, cancellationToken).ConfigureAwait(false);
        if (result.Count > 0)
        {
            folderChanges.Publish(folderId);
        }

        return result;
    }

    public async Task<CopyResult> CopyMessagesAsync(long sourceFolderId, IReadOnlyList<long> uids, long targetFolderId, bool move, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var ordered = uids.Distinct().Order().ToArray();
        var result = await WriteAsync(async (session, ct) =>
        {
            var mailboxes = new List<long>();
            var reader = await session.Command("SELECT mailbox_id FROM folders WHERE id = @a OR id = @b")
                .With("a", sourceFolderId)
                .With("b", targetFolderId)
                .ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    mailboxes.Add(reader.GetInt64(0));
                }
            }

            var expected = sourceFolderId == targetFolderId ? 1 : 2;
            if (mailboxes.Count != expected || mailboxes.Distinct().Count() != 1)
            {
                throw new FolderNotFoundException(mailboxes.Count == 0 ? sourceFolderId : targetFolderId);
            }

            var uidValidity = Convert.ToInt64(
                await session.Command("SELECT uid_validity FROM folders WHERE id = @folder").With("folder", targetFolderId).ExecuteScalarAsync(ct).ConfigureAwait(false),
                CultureInfo.InvariantCulture);
            var sources = new List<long>();
            var targets = new List<long>();
            foreach (var uid in ordered)
            {
                var row = await ReadRowAsync(session, sourceFolderId, uid, ct).ConfigureAwait(false);
                if (row is null)
                {
                    continue;
                }

                var slot = await TakeSlotAsync(session,
                        "UPDATE folders SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1, message_count = message_count + 1 " +
                        "WHERE id = @key RETURNING id, uid_next - 1, highest_modseq",
                        targetFolderId, ct).ConfigureAwait(false)
                    ?? throw new FolderNotFoundException(targetFolderId);
                await session.Command(
                        "INSERT INTO messages (folder_id, uid, blob_id, flags, keywords, internal_date, size, modseq, envelope, search_filter) " +
                        "SELECT @target, @newuid, blob_id, flags, keywords, internal_date, size, @modseq, envelope, search_filter FROM messages WHERE folder_id = @folder AND uid = @uid")
                    .With("target", targetFolderId)
                    .With("newuid", slot.Uid)
                    .With("modseq", slot.ModSeq)
                    .With("folder", sourceFolderId)
                    .With("uid", uid)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                if (move)
                {
                    await session.Command("DELETE FROM messages WHERE folder_id = @folder AND uid = @uid")
                        .With("folder", sourceFolderId)
                        .With("uid", uid)
                        .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    await session.Command("UPDATE message_blobs SET refs = refs + 1 WHERE id = @blob")
                        .With("blob", row.Value)
                        .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                sources.Add(uid);
                targets.Add(slot.Uid);
            }

            if (move && sources.Count > 0)
            {
                await session.Command("UPDATE folders SET message_count = message_count - @n, highest_modseq = highest_modseq + 1 WHERE id = @folder")
                    .With("n", (long)sources.Count)
                    .With("folder", sourceFolderId)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return new CopyResult(uidValidity, sources, targets);
        }, cancellationToken).ConfigureAwait(false);
        if (result.SourceUids.Count > 0)
        {
            folderChanges.Publish(targetFolderId);
            if (move)
            {
                folderChanges.Publish(sourceFolderId);
            }
        }

        return result;
    }

    public Task<FolderRecord?> CreateFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var uidValidity = Time.GetUtcNow().ToUnixTimeSeconds();
        return WriteAsync<FolderRecord?>(async (session, ct) =>
        {
            var exists = await session.Command("SELECT id FROM mailboxes WHERE id = @mailbox").With("mailbox", mailboxId).ExecuteScalarAsync(ct).ConfigureAwait(false);
            if (exists is null or DBNull || string.Equals(name, StandardFolders.Inbox, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var id = await session.Command(
                    "INSERT INTO folders (mailbox_id, name, special_use, uid_validity, uid_next, highest_modseq, message_count) " +
                    "VALUES (@mailbox, @name, NULL, @validity, 1, 0, 0) ON CONFLICT (mailbox_id, name) DO NOTHING RETURNING id")
                .With("mailbox", mailboxId)
                .With("name", name)
                .With("validity", uidValidity)
                .ExecuteScalarAsync(ct).ConfigureAwait(false);
            return id is null or DBNull
                ? null
                : new FolderRecord(Convert.ToInt64(id, CultureInfo.InvariantCulture), mailboxId, name, null, uidValidity, 1, 0);
        }, cancellationToken);
    }

    public Task<bool> RenameFolderAsync(long mailboxId, string name, string newName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(newName);
        if (string.Equals(name, StandardFolders.Inbox, StringComparison.OrdinalIgnoreCase)
            || string.Equals(newName, StandardFolders.Inbox, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(false);
        }

        return WriteAsync(async (session, ct) =>
        {
            var taken = await session.Command("SELECT id FROM folders WHERE mailbox_id = @mailbox AND name = @name")
                .With("mailbox", mailboxId).With("name", newName).ExecuteScalarAsync(ct).ConfigureAwait(false);
            if (taken is not null and not DBNull)
            {
                return false;
            }

            var renamed = await session.Command("UPDATE folders SET name = @new WHERE mailbox_id = @mailbox AND name = @name")
                .With("new", newName).With("mailbox", mailboxId).With("name", name).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            if (renamed == 0)
            {
                return false;
            }

            // Sub-folders follow their parent: "Patients/2025" becomes "Dossiers/2025".
            var children = new List<(long Id, string Name)>();
            var reader = await session.Command("SELECT id, name FROM folders WHERE mailbox_id = @mailbox")
                .With("mailbox", mailboxId).ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var child = reader.GetString(1);
                    if (child.StartsWith(name + "/", StringComparison.Ordinal))
                    {
                        children.Add((reader.GetInt64(0), newName + child[name.Length..]));
                    }
                }
            }

            foreach (var (id, childName) in children)
            {
                await session.Command("UPDATE folders SET name = @new WHERE id = @id").With("new", childName).With("id", id).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
    }

    public async Task<bool> DeleteFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (string.Equals(name, StandardFolders.Inbox, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var deleted = await WriteAsync<long?>(async (session, ct) =>
        {
            var found = await session.Command("SELECT id FROM folders WHERE mailbox_id = @mailbox AND name = @name")
                .With("mailbox", mailboxId).With("name", name).ExecuteScalarAsync(ct).ConfigureAwait(false);
            if (found is null or DBNull)
            {
                return null;
            }

            var id = Convert.ToInt64(found, CultureInfo.InvariantCulture);
            await session.Command(
                    "UPDATE message_blobs SET refs = refs - t.n FROM " +
                    "(SELECT blob_id, COUNT(*) AS n FROM messages WHERE folder_id = @folder GROUP BY blob_id) t WHERE message_blobs.id = t.blob_id")
                .With("folder", id).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await session.Command("DELETE FROM message_blobs WHERE refs <= 0 AND id IN (SELECT blob_id FROM messages WHERE folder_id = @folder)")
                .With("folder", id).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await session.Command("DELETE FROM messages WHERE folder_id = @folder").With("folder", id).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await session.Command("DELETE FROM folders WHERE id = @folder").With("folder", id).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return id;
        }, cancellationToken).ConfigureAwait(false);
        if (deleted is { } folderId)
        {
            folderChanges.Publish(folderId);
        }

        return deleted is not null;
    }

    public Task SetSubscriptionAsync(long mailboxId, string name, bool subscribed, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return WriteAsync(
            async (session, ct) => await session.Command(
                    "INSERT INTO folder_subscriptions (mailbox_id, name, subscribed) VALUES (@mailbox, @name, @subscribed) " +
                    "ON CONFLICT (mailbox_id, name) DO UPDATE SET subscribed = excluded.subscribed")
                .With("mailbox", mailboxId)
                .With("name", name)
                .With("subscribed", subscribed)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false),
            cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListSubscriptionsAsync(long mailboxId, CancellationToken cancellationToken = default)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var reader = await session.Command(
                    "SELECT f.name FROM folders f WHERE f.mailbox_id = @mailbox AND NOT EXISTS " +
                    "(SELECT 1 FROM folder_subscriptions s WHERE s.mailbox_id = f.mailbox_id AND s.name = f.name AND s.subscribed = @no) " +
                    "UNION SELECT s.name FROM folder_subscriptions s WHERE s.mailbox_id = @mailbox AND s.subscribed = @yes ORDER BY 1")
                .With("mailbox", mailboxId)
                .With("no", false)
                .With("yes", true)
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var names = new List<string>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    names.Add(reader.GetString(0));
                }

                return names;
            }
        }
    }

    public Task<long?> GetHighestModSeqAsync(long folderId, CancellationToken cancellationToken = default) =>
        FolderScalarAsync("SELECT highest_modseq FROM folders WHERE id = @folder", folderId, cancellationToken);

    /// <summary>A single number about folder <paramref name="folderId"/> (bound as <c>@folder</c>), or null when there is none.</summary>
    private async Task<long?> FolderScalarAsync(string sql, long folderId, CancellationToken cancellationToken)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var value = await session.Command(sql)
                .With("folder", folderId)
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }
    }

    public async Task<FolderState?> GetFolderStateAsync(long folderId, CancellationToken cancellationToken = default)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var reader = await session.Command("SELECT highest_modseq, message_count, uid_next, uid_validity FROM folders WHERE id = @folder")
                .With("folder", folderId)
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new FolderState(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3))
                    : null;
            }
        }
    }

    public Task<IReadOnlyList<MessageFlagState>> ListChangedSinceAsync(long folderId, long modSeq, CancellationToken cancellationToken = default) =>
        QueryListAsync("SELECT uid, flags, keywords, modseq FROM messages WHERE folder_id = @folder AND modseq > @since ORDER BY uid", c => c.With("folder", folderId).With("since", modSeq), ReadFlagState, cancellationToken);

    public async Task<FolderStatus?> GetFolderStatusAsync(long folderId, CancellationToken cancellationToken = default)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var reader = await session.Command(
                    "SELECT f.uid_next, f.uid_validity, f.highest_modseq, " +
                    "(SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id), " +
                    "(SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id AND (m.flags & 1) = 0), " +
                    "(SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id AND (m.flags & 32) <> 0) " +
                    "FROM folders f WHERE f.id = @folder")
                .With("folder", folderId)
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new FolderStatus(reader.GetInt64(3), reader.GetInt64(5), reader.GetInt64(4), reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            }
        }
    }

    private static async ValueTask<long?> ReadRowAsync(DbSession session, long folderId, long uid, CancellationToken ct)
    {
        var blob = await session.Command("SELECT blob_id FROM messages WHERE folder_id = @folder AND uid = @uid")
            .With("folder", folderId)
            .With("uid", uid)
            .ExecuteScalarAsync(ct).ConfigureAwait(false);
        return blob is null or DBNull ? null : Convert.ToInt64(blob, CultureInfo.InvariantCulture);
    }

    private static string[] SplitKeywords(string? keywords) =>
        string.IsNullOrEmpty(keywords) ? [] : keywords.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
