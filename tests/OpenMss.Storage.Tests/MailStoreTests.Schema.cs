using System.Data.Common;
using OpenMss.Storage.Sql;
using OpenMss.Testing;

namespace OpenMss.Storage.Tests;

public abstract partial class MailStoreTests
{
    [Fact]
    public async Task A_version_1_database_is_upgraded_with_its_data_intact()
    {
        await using var database = await TestDatabase.CreateAsync(Backend);
        await using (var v1 = MailStoreFactory.Create(database.Options))
        {
            await v1.MigrateAsync(targetVersion: 1, CancellationToken.None);
        }

        var raw = TestMessages.Create(subject: "Avant la mise à jour");
        var at = new DateTimeOffset(2025, 6, 1, 10, 0, 0, TimeSpan.Zero);
        long folderId, entryId;
        using (var cipher = MessageCipher.LoadOrCreate(database.Options.EncryptionKeyFile!))
        {
            // The rows exactly as the version 1 code wrote them (frozen SQL: do not "update" it).
            await using var connection = await database.OpenConnectionAsync();
            Assert.Equal(1L, await ScalarAsync(connection, "SELECT MAX(version) FROM schema_version"));
            var time = TimeParameter(at);
            var mailboxId = await ScalarAsync(connection,
                "INSERT INTO mailboxes (address, kind, display_name, owner_id, created_at) VALUES ('ancien@medecin.mssante.fr', 'PER', 'Dr Ancien', '810000000002', @t) RETURNING id",
                ("t", time));
            folderId = 0;
            foreach (var (name, special) in StandardFolders.All)
            {
                var id = await ScalarAsync(connection,
                    "INSERT INTO folders (mailbox_id, name, special_use, uid_validity, uid_next, highest_modseq, message_count) VALUES (@m, @n, @s, 1748772000, @next, @modseq, @count) RETURNING id",
                    ("m", mailboxId), ("n", name), ("s", special), ("next", name == "INBOX" ? 2L : 1L), ("modseq", name == "INBOX" ? 1L : 0L), ("count", name == "INBOX" ? 1L : 0L));
                if (name == "INBOX")
                {
                    folderId = id;
                }
            }

            var blobId = await ScalarAsync(connection, "INSERT INTO message_blobs (refs, size, data) VALUES (2, @size, @data) RETURNING id",
                ("size", (long)raw.Length), ("data", cipher.Encrypt(raw, SqlMailStore.MessagePurpose)));
            var envelope = new MessageEnvelope("Sun, 1 Jun 2025 12:00:00 +0200", "Avant la mise à jour", "dr.ancien@medecin.mssante.fr", null, null, "ancien@medecin.mssante.fr", null, null, null, "<v1@medecin.mssante.fr>");
            await ScalarAsync(connection,
                "INSERT INTO messages (folder_id, uid, blob_id, flags, keywords, internal_date, size, modseq, envelope) VALUES (@f, 1, @b, 1, '$Important', @t, @size, 1, @e)",
                ("f", folderId), ("b", blobId), ("t", time), ("size", (long)raw.Length), ("e", cipher.Encrypt(EnvelopeCodec.Serialize(envelope), SqlMailStore.EnvelopePurpose)));
            entryId = await ScalarAsync(connection,
                "INSERT INTO queue_entries (mail_from, domain, envid, ret, size, blob_id, queued_at, next_attempt_at, attempts, delay_notified, last_error) " +
                "VALUES ('ancien@medecin.mssante.fr', 'pharmacien.mssante.fr', NULL, @false, @size, @b, @t, @t, 3, @true, '421 4.3.2 busy') RETURNING id",
                ("false", false), ("true", true), ("size", (long)raw.Length), ("b", blobId), ("t", time));
            await ScalarAsync(connection, "INSERT INTO queue_recipients (entry_id, address, notify, orcpt, state) VALUES (@e, 'alice@pharmacien.mssante.fr', 0, NULL, 0)", ("e", entryId));
            await ScalarAsync(connection, "INSERT INTO audit_events (at, actor, mailbox, action, result) VALUES (@t, 'admin', 'ancien@medecin.mssante.fr', 'mailbox.create', 'ok')", ("t", time));
        }

        await using var store = await database.OpenStoreAsync();

        var mailbox = await store.FindMailboxAsync("ancien@medecin.mssante.fr");
        Assert.Equal("Dr Ancien", mailbox!.DisplayName);
        Assert.Equal(at, mailbox.CreatedAt);
        var summary = Assert.Single(await store.ListMessagesAsync(folderId));
        Assert.Equal(MessageFlags.Seen, summary.Flags);
        Assert.Equal(["$Important"], summary.Keywords);
        Assert.Equal("Avant la mise à jour", summary.Envelope.Subject);
        Assert.Equal(raw, await store.ReadMessageAsync(folderId, 1));
        var entry = await store.FindQueueEntryAsync(entryId);
        Assert.Equal(3, entry!.Attempts);
        Assert.True(entry.DelayNotified);
        Assert.Equal(raw, await store.ReadQueuedMessageAsync(entryId));
        Assert.Equal("mailbox.create", Assert.Single(await store.QueryAuditAsync(new AuditQuery(Actor: "admin"))).Action);

        // The upgraded schema works for new data: the UID counter carried over, audit is indexed.
        var next = await store.DeliverAsync(TestMessages.Inbound(TestMessages.Create(), "ancien@medecin.mssante.fr"));
        Assert.Equal(2, next[0].Uid);
        await store.AppendAuditAsync(new AuditEvent(at.AddDays(1), "admin", "ancien@medecin.mssante.fr", "mailbox.read", "ok"));
        Assert.Equal(2, (await store.QueryAuditAsync(new AuditQuery(Mailbox: "ancien@medecin.mssante.fr", From: at))).Count);
        await using var check = await database.OpenConnectionAsync();
        Assert.Equal(7L, await ScalarAsync(check, "SELECT MAX(version) FROM schema_version"));
        Assert.Equal(7L, await ScalarAsync(check, "SELECT COUNT(*) FROM schema_version"));
        var indexQuery = Backend == StoreBackend.Sqlite
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('audit_events_mailbox_at', 'audit_events_actor_at')"
            : "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN ('audit_events_mailbox_at', 'audit_events_actor_at')";
        Assert.Equal(2L, await ScalarAsync(check, indexQuery));
    }

    [Fact]
    public async Task Two_processes_opening_a_new_database_at_once_migrate_it_once()
    {
        await using var database = await TestDatabase.CreateAsync(Backend);
        await using var first = MailStoreFactory.Create(database.Options);
        await using var second = MailStoreFactory.Create(database.Options);

        await Task.WhenAll(Task.Run(() => first.MigrateAsync()), Task.Run(() => second.MigrateAsync()));
        var stores = await Task.WhenAll(database.OpenStoreAsync(), database.OpenStoreAsync());

        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(7L, await ScalarAsync(connection, "SELECT COUNT(*) FROM schema_version"));
        await stores[0].CreateMailboxAsync(new NewMailbox("a@medecin.mssante.fr", Core.MailboxKind.Personal));
        Assert.NotNull(await stores[1].FindMailboxAsync("a@medecin.mssante.fr"));
        await first.MigrateAsync();
        Assert.Equal(7L, await ScalarAsync(connection, "SELECT COUNT(*) FROM schema_version"));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_database_from_a_newer_version_is_refused()
    {
        await using var database = await TestDatabase.CreateAsync(Backend);
        await (await database.OpenStoreAsync()).DisposeAsync();
        await using (var connection = await database.OpenConnectionAsync())
        {
            await ScalarAsync(connection, "INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', @t)", ("t", TimeParameter(DateTimeOffset.UtcNow)));
        }

        var error = await Assert.ThrowsAsync<SchemaTooNewException>(() => database.OpenStoreAsync());

        Assert.Equal(99, error.DatabaseVersion);
    }

    private object TimeParameter(DateTimeOffset value) => Backend == StoreBackend.Sqlite
        ? (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10
        : value;

    private static async Task<long> ScalarAsync(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? 0 : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }
}
