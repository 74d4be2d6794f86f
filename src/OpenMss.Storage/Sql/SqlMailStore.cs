using System.Data.Common;
using Microsoft.Extensions.Logging;
using OpenMss.Core;

namespace OpenMss.Storage.Sql;

/// <summary>
/// The store logic shared by the SQLite and PostgreSQL backends: the same tables, the same SQL
/// where the dialects agree, group-committed writes through <see cref="WriteBatcher"/>, and
/// encryption at rest. A backend supplies its connections, its time encoding, its migrations
/// and the few statements that differ.
/// </summary>
internal abstract partial class SqlMailStore : IMailStore
{
    internal const string MessagePurpose = "openmss/message/v1";
    internal const string EnvelopePurpose = "openmss/envelope/v1";
    internal const string KeyCheckPurpose = "openmss/key-check/v1";
    internal const string SearchTextPurpose = "openmss/search-text/v1";

    private const string MailboxColumns = "id, address, kind, display_name, owner_id, created_at";
    private const string FolderColumns = "id, mailbox_id, name, special_use, uid_validity, uid_next, message_count";

    private readonly WriteBatcher writer;
    private readonly DeliveryEventNotifier deliveries;
    private readonly bool ownsCipher;
    private int disposed;

    protected SqlMailStore(MessageCipher cipher, bool ownsCipher, ILogger logger, TimeProvider timeProvider)
    {
        Cipher = cipher;
        this.ownsCipher = ownsCipher;
        Logger = logger;
        Time = timeProvider;
        writer = new WriteBatcher(OpenWriterSessionAsync, logger);
        deliveries = new DeliveryEventNotifier(logger);
        SearchFilters = new Search.SearchFilter(cipher);
    }

    /// <summary>Builds and probes the per-message search filters (key derived from <see cref="Cipher"/>).</summary>
    internal Search.SearchFilter SearchFilters { get; }

    protected MessageCipher Cipher { get; }

    protected ILogger Logger { get; }

    protected TimeProvider Time { get; }

    /// <summary>The newest schema version this build knows for the backend.</summary>
    internal abstract int LatestSchemaVersion { get; }

    public Task MigrateAsync(CancellationToken cancellationToken = default) =>
        MigrateAsync(LatestSchemaVersion, cancellationToken);

    /// <summary>Applies the migrations up to <paramref name="targetVersion"/> (tests build older schemas with it).</summary>
    internal abstract Task MigrateAsync(int targetVersion, CancellationToken cancellationToken);

    /// <summary>Opens the connection the writer loop uses, configured for durable commits.</summary>
    protected abstract ValueTask<DbSession> OpenWriterSessionAsync(CancellationToken cancellationToken);

    /// <summary>A connection for reads; disposing the session gives it back.</summary>
    protected abstract ValueTask<DbSession> OpenReaderAsync(CancellationToken cancellationToken);

    /// <summary>The parameter value a backend stores for an instant.</summary>
    protected abstract object TimeValue(DateTimeOffset value);

    protected abstract DateTimeOffset GetTime(DbDataReader reader, int ordinal);

    /// <summary>
    /// The statement leasing due queue entries (parameters <c>@now</c>, <c>@max</c>, <c>@owner</c>,
    /// <c>@until</c>), returning <see cref="QueueColumns"/>.
    /// </summary>
    protected abstract string LeaseDueSql { get; }

    protected const string QueueColumns =
        "id, mail_from, domain, envid, ret, size, queued_at, next_attempt_at, attempts, delay_notified, last_error, lease_owner, lease_until";

    /// <summary>
    /// Checks that the key file is the one this database was first written with (a key check
    /// record encrypted under it), so that a lost or swapped key file is a clear error at start-up
    /// rather than unreadable messages later.
    /// </summary>
    internal Task VerifyEncryptionKeyAsync(CancellationToken cancellationToken)
    {
        var candidate = Cipher.Encrypt("OpenMSS key check"u8, KeyCheckPurpose);
        return writer.RunAsync(async (session, ct) =>
        {
            await session.Command("INSERT INTO store_meta (name, value) VALUES ('key_check', @value) ON CONFLICT (name) DO NOTHING")
                .With("value", candidate)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            var stored = (byte[])(await session.Command("SELECT value FROM store_meta WHERE name = 'key_check'")
                .ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            try
            {
                Cipher.Decrypt(stored, KeyCheckPurpose);
            }
            catch (StoreDecryptionException ex)
            {
                throw new StoreDecryptionException(
                    "The encryption key file does not match the key this database was created with; the store was not opened. Restore the original key file.",
                    ex);
            }

            return true;
        }, cancellationToken);
    }

    // ---- Mailboxes ---------------------------------------------------------------------

    public Task<MailboxRecord> CreateMailboxAsync(NewMailbox mailbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var address = NormalizeAddress(mailbox.Address);
        var kind = KindCode(mailbox.Kind);
        var now = Truncate(Time.GetUtcNow());
        var uidValidity = now.ToUnixTimeSeconds();
        return writer.RunAsync(async (session, ct) =>
        {
            var inserted = await session.Command(
                    "INSERT INTO mailboxes (address, kind, display_name, owner_id, created_at) VALUES (@address, @kind, @display, @owner, @created) " +
                    "ON CONFLICT (address) DO NOTHING RETURNING id")
                .With("address", address)
                .With("kind", kind)
                .With("display", mailbox.DisplayName)
                .With("owner", mailbox.OwnerId)
                .With("created", TimeValue(now))
                .ExecuteScalarAsync(ct).ConfigureAwait(false);
            if (inserted is null or DBNull)
            {
                throw new MailboxExistsException(address);
            }

            var id = Convert.ToInt64(inserted, System.Globalization.CultureInfo.InvariantCulture);
            foreach (var (name, specialUse) in StandardFolders.All)
            {
                await session.Command(
                        "INSERT INTO folders (mailbox_id, name, special_use, uid_validity, uid_next, highest_modseq, message_count) " +
                        "VALUES (@mailbox, @name, @special, @validity, 1, 0, 0)")
                    .With("mailbox", id)
                    .With("name", name)
                    .With("special", specialUse)
                    .With("validity", uidValidity)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return new MailboxRecord(id, address, mailbox.Kind, mailbox.DisplayName, mailbox.OwnerId, now);
        }, cancellationToken);
    }

    public async Task<MailboxRecord?> FindMailboxAsync(string address, CancellationToken cancellationToken = default)
    {
        var normalized = NormalizeAddress(address);
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var command = session.Command($"SELECT {MailboxColumns} FROM mailboxes WHERE address = @address").With("address", normalized);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadMailbox(reader) : null;
            }
        }
    }

    public Task<IReadOnlyList<MailboxRecord>> ListMailboxesAsync(CancellationToken cancellationToken = default) =>
        QueryListAsync($"SELECT {MailboxColumns} FROM mailboxes ORDER BY address", c => c, ReadMailbox, cancellationToken);

    public Task<IReadOnlyList<MailboxRecord>> FindMailboxesByOwnerAsync(string ownerId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ownerId);
        return QueryListAsync($"SELECT {MailboxColumns} FROM mailboxes WHERE owner_id = @owner ORDER BY address", c => c.With("owner", ownerId), ReadMailbox, cancellationToken);
    }

    public Task<bool> DeleteMailboxAsync(string address, CancellationToken cancellationToken = default)
    {
        var normalized = NormalizeAddress(address);
        return writer.RunAsync(async (session, ct) =>
        {
            var found = await session.Command("SELECT id FROM mailboxes WHERE address = @address")
                .With("address", normalized)
                .ExecuteScalarAsync(ct).ConfigureAwait(false);
            if (found is null or DBNull)
            {
                return false;
            }

            var id = Convert.ToInt64(found, System.Globalization.CultureInfo.InvariantCulture);
            const string MailboxMessages = "SELECT m.blob_id FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.mailbox_id = @mailbox";

            // Release the mailbox's references on shared message bytes, then delete the bytes no
            // longer referenced: only the rows of this mailbox are touched, never a table sweep.
            await session.Command(
                    "UPDATE message_blobs SET refs = refs - t.n FROM " +
                    "(SELECT m.blob_id, COUNT(*) AS n FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.mailbox_id = @mailbox GROUP BY m.blob_id) t " +
                    "WHERE message_blobs.id = t.blob_id")
                .With("mailbox", id)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await session.Command($"DELETE FROM message_blobs WHERE refs <= 0 AND id IN ({MailboxMessages})")
                .With("mailbox", id)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await session.Command("DELETE FROM messages WHERE folder_id IN (SELECT id FROM folders WHERE mailbox_id = @mailbox)")
                .With("mailbox", id)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await session.Command("DELETE FROM folders WHERE mailbox_id = @mailbox")
                .With("mailbox", id)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await session.Command("DELETE FROM mailboxes WHERE id = @mailbox")
                .With("mailbox", id)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    // ---- Folders -----------------------------------------------------------------------

    public async Task<IReadOnlyList<FolderRecord>> ListFoldersAsync(long mailboxId, CancellationToken cancellationToken = default)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var reader = await session.Command($"SELECT {FolderColumns} FROM folders WHERE mailbox_id = @mailbox ORDER BY id")
                .With("mailbox", mailboxId)
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var result = new List<FolderRecord>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    result.Add(ReadFolder(reader));
                }

                return result;
            }
        }
    }

    public async Task<FolderRecord?> FindFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.Equals(name, StandardFolders.Inbox, StringComparison.OrdinalIgnoreCase))
        {
            name = StandardFolders.Inbox;
        }

        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var reader = await session.Command($"SELECT {FolderColumns} FROM folders WHERE mailbox_id = @mailbox AND name = @name")
                .With("mailbox", mailboxId)
                .With("name", name)
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadFolder(reader) : null;
            }
        }
    }

    // ---- Helpers -----------------------------------------------------------------------

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await writer.DisposeAsync().ConfigureAwait(false);
        await DisposeConnectionsAsync().ConfigureAwait(false);
        SearchFilters.Dispose();
        if (ownsCipher)
        {
            Cipher.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the backend's reader connections once the writer has drained.</summary>
    protected abstract ValueTask DisposeConnectionsAsync();

    /// <summary>Both backends keep instants to the microsecond; callers get back what was stored.</summary>
    internal static DateTimeOffset Truncate(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % 10), TimeSpan.Zero);
    }

    internal static string NormalizeAddress(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        return address.Trim().ToLowerInvariant();
    }

    private static string KindCode(MailboxKind kind) => kind switch
    {
        MailboxKind.Personal => "PER",
        MailboxKind.Organisational => "ORG",
        MailboxKind.Applicative => "APP",
        MailboxKind.Practice => "CAB",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown mailbox kind."),
    };

    private static MailboxKind ParseKind(string code) => code switch
    {
        "PER" => MailboxKind.Personal,
        "ORG" => MailboxKind.Organisational,
        "APP" => MailboxKind.Applicative,
        "CAB" => MailboxKind.Practice,
        _ => throw new InvalidDataException($"Unknown mailbox kind code '{code}' in the database."),
    };

    private MailboxRecord ReadMailbox(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        ParseKind(reader.GetString(2)),
        reader.GetNullableString(3),
        reader.GetNullableString(4),
        GetTime(reader, 5));

    private static FolderRecord ReadFolder(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetInt64(1),
        reader.GetString(2),
        reader.GetNullableString(3),
        reader.GetInt64(4),
        reader.GetInt64(5),
        reader.GetInt64(6));

    private DateTimeOffset? GetNullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : GetTime(reader, ordinal);

    /// <summary>Runs one read query on a reader connection and maps every row.</summary>
    private async Task<IReadOnlyList<T>> QueryListAsync<T>(string sql, Func<DbCommand, DbCommand> bind, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var reader = await bind(session.Command(sql)).ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var result = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    result.Add(read(reader));
                }

                return result;
            }
        }
    }

    private Task<T> WriteAsync<T>(Func<DbSession, CancellationToken, ValueTask<T>> body, CancellationToken cancellationToken) =>
        writer.RunAsync(body, cancellationToken);

    /// <summary>A one-statement write, sent with the other statements of its batch in one round trip (see <see cref="WriteBatcher.RunStatementAsync"/>).</summary>
    protected Task<T> WriteStatementAsync<T>(Func<DbBatch, DbBatchCommand> statement, Func<DbDataReader, CancellationToken, ValueTask<T>> read, CancellationToken cancellationToken) =>
        writer.RunStatementAsync(statement, read, cancellationToken);
}
