using System.Text;
using OpenMss.Core;
using OpenMss.Testing;

namespace OpenMss.Storage.Tests;

/// <summary>The storage suite. It runs unchanged on every backend (see the subclasses at the end).</summary>
public abstract partial class MailStoreTests
{
    protected abstract StoreBackend Backend { get; }

    protected Task<TestMailStore> NewStoreAsync(TimeProvider? time = null) => TestStores.CreateAsync(Backend, time);

    protected static Task<MailboxRecord> CreateMailboxAsync(IMailStore store, string address, MailboxKind kind = MailboxKind.Personal) =>
        store.CreateMailboxAsync(new NewMailbox(address, kind, "Dr Martin", "810000000001"));

    protected static async Task<long> InboxIdAsync(IMailStore store, string address)
    {
        var mailbox = await store.FindMailboxAsync(address) ?? throw new InvalidOperationException($"no mailbox {address}");
        var inbox = await store.FindFolderAsync(mailbox.Id, "INBOX") ?? throw new InvalidOperationException("no INBOX");
        return inbox.Id;
    }

    // ---- Mailboxes ---------------------------------------------------------------------

    [Fact]
    public async Task A_new_mailbox_has_the_standard_folders_empty()
    {
        await using var store = await NewStoreAsync();

        var mailbox = await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr", MailboxKind.Personal);
        var folders = await store.ListFoldersAsync(mailbox.Id);

        Assert.Equal(["INBOX", "Sent", "Drafts", "Trash", "Archive"], folders.Select(f => f.Name));
        Assert.Equal([null, @"\Sent", @"\Drafts", @"\Trash", @"\Archive"], folders.Select(f => f.SpecialUse));
        Assert.All(folders, f =>
        {
            Assert.Equal(mailbox.Id, f.MailboxId);
            Assert.Equal(1, f.UidNext);
            Assert.True(f.UidValidity > 0);
            Assert.Equal(0, f.MessageCount);
        });
    }

    [Fact]
    public async Task Mailboxes_are_found_by_address_whatever_its_case()
    {
        await using var store = await NewStoreAsync();

        var created = await store.CreateMailboxAsync(new NewMailbox("Pharmacie.Centrale@Pharmacien.MSSante.fr", MailboxKind.Organisational, "Pharmacie centrale", "10B0123456"));
        var found = await store.FindMailboxAsync("PHARMACIE.CENTRALE@pharmacien.mssante.fr");

        Assert.Equal("pharmacie.centrale@pharmacien.mssante.fr", created.Address);
        Assert.Equal(created, found);
        Assert.Equal(MailboxKind.Organisational, found!.Kind);
        Assert.Equal("Pharmacie centrale", found.DisplayName);
        Assert.Equal("10B0123456", found.OwnerId);
        Assert.Null(await store.FindMailboxAsync("autre@pharmacien.mssante.fr"));
    }

    [Fact]
    public async Task An_address_already_taken_is_refused_and_the_first_mailbox_is_unchanged()
    {
        await using var store = await NewStoreAsync();
        var first = await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr", MailboxKind.Personal);

        var error = await Assert.ThrowsAsync<MailboxExistsException>(() =>
            store.CreateMailboxAsync(new NewMailbox("DR.MARTIN@medecin.mssante.fr", MailboxKind.Applicative)));

        Assert.Equal("dr.martin@medecin.mssante.fr", error.Address);
        Assert.Equal([first], await store.ListMailboxesAsync());
        Assert.Equal(5, (await store.ListFoldersAsync(first.Id)).Count);
    }

    [Fact]
    public async Task Every_mailbox_kind_round_trips()
    {
        await using var store = await NewStoreAsync();
        foreach (var kind in Enum.GetValues<MailboxKind>())
        {
            await CreateMailboxAsync(store, $"{kind}@medecin.mssante.fr", kind);
        }

        var listed = await store.ListMailboxesAsync();

        Assert.Equal(Enum.GetValues<MailboxKind>().OrderBy(k => k.ToString().ToLowerInvariant()), listed.Select(m => m.Kind));
        Assert.Equal(listed.Select(m => m.Address).Order(StringComparer.Ordinal), listed.Select(m => m.Address));
    }

    [Fact]
    public async Task Deleting_a_mailbox_removes_it_and_its_messages_but_not_the_copies_of_other_recipients()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        await CreateMailboxAsync(store, "b@medecin.mssante.fr");
        var raw = TestMessages.Create();
        var refs = await store.DeliverAsync(TestMessages.Inbound(raw, "a@medecin.mssante.fr", "b@medecin.mssante.fr"));

        Assert.True(await store.DeleteMailboxAsync("A@medecin.mssante.fr"));

        Assert.Null(await store.FindMailboxAsync("a@medecin.mssante.fr"));
        Assert.Null(await store.ReadMessageAsync(refs[0].FolderId, refs[0].Uid));
        Assert.Equal(raw, await store.ReadMessageAsync(refs[1].FolderId, refs[1].Uid));
        Assert.Equal(["b@medecin.mssante.fr"], (await store.ListMailboxesAsync()).Select(m => m.Address));
        Assert.False(await store.DeleteMailboxAsync("a@medecin.mssante.fr"));

        // The address is free again, with empty folders.
        var again = await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        Assert.All(await store.ListFoldersAsync(again.Id), f => Assert.Equal(0, f.MessageCount));
    }

    [Fact]
    public async Task An_audited_delivery_records_one_event_per_recipient_in_the_same_commit()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        await CreateMailboxAsync(store, "b@medecin.mssante.fr");
        var raw = TestMessages.Create();

        var refs = await store.DeliverAsync(new InboundMessage(
            "labo@pharmacien.mssante.fr", ["b@medecin.mssante.fr", "A@medecin.mssante.fr"], raw, DateTimeOffset.UtcNow,
            new DeliveryAudit("operator:pharmacien.mssante.fr", "192.0.2.7")));

        Assert.Equal(["b@medecin.mssante.fr", "a@medecin.mssante.fr"], refs.Select(r => r.MailboxAddress));
        foreach (var reference in refs)
        {
            Assert.Equal(raw, await store.ReadMessageAsync(reference.FolderId, reference.Uid));
            var events = await store.QueryAuditAsync(new AuditQuery(Mailbox: reference.MailboxAddress));
            var delivered = Assert.Single(events);
            Assert.Equal(("operator:pharmacien.mssante.fr", "deliver", "ok", "192.0.2.7"), (delivered.Actor, delivered.Action, delivered.Result, delivered.ClientAddress));
        }

        // A delivery that fails (an unknown recipient) writes neither the message nor its audit rows.
        await Assert.ThrowsAsync<MailboxNotFoundException>(() => store.DeliverAsync(new InboundMessage(
            "labo@pharmacien.mssante.fr", ["a@medecin.mssante.fr", "inconnu@medecin.mssante.fr"], raw, DateTimeOffset.UtcNow,
            new DeliveryAudit("operator:pharmacien.mssante.fr", "192.0.2.7"))));
        Assert.Single(await store.QueryAuditAsync(new AuditQuery(Mailbox: "a@medecin.mssante.fr")));
        Assert.Single(await store.ListMessagesAsync(await InboxIdAsync(store, "a@medecin.mssante.fr")));
    }

    [Fact]
    public async Task Folders_are_found_by_name_and_INBOX_whatever_its_case()
    {
        await using var store = await NewStoreAsync();
        var mailbox = await CreateMailboxAsync(store, "a@medecin.mssante.fr");

        var inbox = await store.FindFolderAsync(mailbox.Id, "inbox");
        var sent = await store.FindFolderAsync(mailbox.Id, "Sent");

        Assert.Equal("INBOX", inbox!.Name);
        Assert.Equal(@"\Sent", sent!.SpecialUse);
        Assert.Null(await store.FindFolderAsync(mailbox.Id, "Nope"));
        Assert.Null(await store.FindFolderAsync(mailbox.Id + 1000, "INBOX"));
    }

    // ---- Delivery ----------------------------------------------------------------------

    [Fact]
    public async Task Delivery_to_several_recipients_gives_each_the_same_bytes_and_increasing_uids()
    {
        await using var store = await NewStoreAsync();
        string[] recipients = ["a@medecin.mssante.fr", "b@medecin.mssante.fr", "c@medecin.mssante.fr"];
        foreach (var address in recipients)
        {
            await CreateMailboxAsync(store, address);
        }

        var messages = Enumerable.Range(0, 3).Select(i => TestMessages.Create(subject: $"Message {i}")).ToArray();
        var delivered = new List<IReadOnlyList<StoredMessageRef>>();
        foreach (var raw in messages)
        {
            delivered.Add(await store.DeliverAsync(TestMessages.Inbound(raw, "A@medecin.mssante.fr", "b@medecin.mssante.fr", "c@medecin.mssante.fr")));
        }

        for (var m = 0; m < messages.Length; m++)
        {
            Assert.Equal(recipients, delivered[m].Select(r => r.MailboxAddress));
            foreach (var stored in delivered[m])
            {
                Assert.Equal(m + 1, stored.Uid);
                Assert.Equal(messages[m], await store.ReadMessageAsync(stored.FolderId, stored.Uid));
            }
        }

        foreach (var address in recipients)
        {
            var inbox = await store.FindFolderAsync((await store.FindMailboxAsync(address))!.Id, "INBOX");
            Assert.Equal(4, inbox!.UidNext);
            Assert.Equal(3, inbox.MessageCount);
            var summaries = await store.ListMessagesAsync(inbox.Id);
            Assert.Equal([1L, 2L, 3L], summaries.Select(s => s.Uid));
            Assert.Equal(messages.Select(m => (long)m.Length), summaries.Select(s => s.Size));
        }
    }

    [Fact]
    public async Task Uids_are_stable_after_reopening_the_store_and_continue_from_uidnext()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        var first = TestMessages.Create(subject: "un");
        var second = TestMessages.Create(subject: "deux");
        var before = await store.DeliverAsync(TestMessages.Inbound(first, "a@medecin.mssante.fr"));
        await store.DeliverAsync(TestMessages.Inbound(second, "a@medecin.mssante.fr"));
        var uidValidity = (await store.FindFolderAsync((await store.FindMailboxAsync("a@medecin.mssante.fr"))!.Id, "INBOX"))!.UidValidity;

        await store.ReopenAsync();

        var inbox = await store.FindFolderAsync((await store.FindMailboxAsync("a@medecin.mssante.fr"))!.Id, "INBOX");
        Assert.Equal(uidValidity, inbox!.UidValidity);
        Assert.Equal(first, await store.ReadMessageAsync(before[0].FolderId, 1));
        Assert.Equal(second, await store.ReadMessageAsync(before[0].FolderId, 2));
        var third = await store.DeliverAsync(TestMessages.Inbound(TestMessages.Create(subject: "trois"), "a@medecin.mssante.fr"));
        Assert.Equal(3, third[0].Uid);
    }

    [Fact]
    public async Task A_recipient_listed_twice_gets_one_copy()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");

        var refs = await store.DeliverAsync(TestMessages.Inbound(TestMessages.Create(), "a@medecin.mssante.fr", "A@MEDECIN.mssante.fr"));

        Assert.Single(refs);
        Assert.Equal(1, (await store.FindFolderAsync((await store.FindMailboxAsync("a@medecin.mssante.fr"))!.Id, "INBOX"))!.MessageCount);
    }

    [Fact]
    public async Task Delivery_to_an_unknown_mailbox_fails_clearly_and_stores_nothing_for_anyone()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");

        var error = await Assert.ThrowsAsync<MailboxNotFoundException>(() =>
            store.DeliverAsync(TestMessages.Inbound(TestMessages.Create(), "a@medecin.mssante.fr", "inconnu@medecin.mssante.fr")));

        Assert.Equal("inconnu@medecin.mssante.fr", error.Address);
        var inbox = await InboxIdAsync(store, "a@medecin.mssante.fr");
        Assert.Empty(await store.ListMessagesAsync(inbox));
        Assert.Equal(1, (await store.FindFolderAsync((await store.FindMailboxAsync("a@medecin.mssante.fr"))!.Id, "INBOX"))!.UidNext);
    }

    [Fact]
    public async Task Append_stores_a_message_in_the_given_folder_with_its_flags_and_date()
    {
        await using var store = await NewStoreAsync();
        var mailbox = await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        var sent = await store.FindFolderAsync(mailbox.Id, "Sent");
        var raw = TestMessages.Create(subject: "Copie envoyée");
        var date = new DateTimeOffset(2025, 11, 25, 9, 30, 15, 123, TimeSpan.FromHours(1));

        var stored = await store.AppendAsync(sent!.Id, raw, MessageFlags.Seen | MessageFlags.Answered, date);
        var again = await store.AppendAsync(sent.Id, raw, MessageFlags.Draft, date);

        Assert.Equal(new StoredMessageRef("a@medecin.mssante.fr", sent.Id, 1), stored);
        Assert.Equal(2, again.Uid);
        Assert.Equal(raw, await store.ReadMessageAsync(sent.Id, 1));
        var summaries = await store.ListMessagesAsync(sent.Id);
        Assert.Equal([MessageFlags.Seen | MessageFlags.Answered, MessageFlags.Draft], summaries.Select(s => s.Flags));
        Assert.All(summaries, s => Assert.Equal(date, s.InternalDate));
        Assert.All(summaries, s => Assert.Empty(s.Keywords));
        Assert.Empty(await store.ListMessagesAsync(await InboxIdAsync(store, "a@medecin.mssante.fr")));
    }

    [Fact]
    public async Task Append_to_a_missing_folder_fails_clearly()
    {
        await using var store = await NewStoreAsync();

        var error = await Assert.ThrowsAsync<FolderNotFoundException>(() =>
            store.AppendAsync(424242, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow));

        Assert.Equal(424242, error.FolderId);
    }

    [Fact]
    public async Task Listing_pages_through_a_folder_by_uid()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        for (var i = 0; i < 7; i++)
        {
            await store.DeliverAsync(TestMessages.Inbound(TestMessages.Create(bodyBytes: 100), "a@medecin.mssante.fr"));
        }

        var inbox = await InboxIdAsync(store, "a@medecin.mssante.fr");

        Assert.Equal([1L, 2L, 3L], (await store.ListMessagesAsync(inbox, 1, 3)).Select(s => s.Uid));
        Assert.Equal([4L, 5L, 6L], (await store.ListMessagesAsync(inbox, 4, 3)).Select(s => s.Uid));
        Assert.Equal([7L], (await store.ListMessagesAsync(inbox, 7, 3)).Select(s => s.Uid));
        Assert.Empty(await store.ListMessagesAsync(inbox, 8, 3));
        Assert.Null(await store.ReadMessageAsync(inbox, 8));
    }

    // ---- Envelope ----------------------------------------------------------------------

    [Fact]
    public async Task The_envelope_holds_the_raw_unfolded_header_values()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        var raw = Encoding.UTF8.GetBytes(
            "Date: Tue, 25 Nov 2025 10:00:00 +0100\r\n" +
            "From: \"Dr Martin\" <dr.martin@medecin.mssante.fr>\r\n" +
            "Sender: secretariat@medecin.mssante.fr\r\n" +
            "Reply-To: cabinet@medecin.mssante.fr\r\n" +
            "To: a@medecin.mssante.fr,\r\n b@medecin.mssante.fr\r\n" +
            "Cc: c@medecin.mssante.fr\r\n" +
            "Subject: =?utf-8?q?Compte_rendu_d=27hospitalisation?=\r\n\tsuite\r\n" +
            "In-Reply-To: <precedent@medecin.mssante.fr>\r\n" +
            "Message-ID: <unique-1@medecin.mssante.fr>\r\n" +
            "\r\n" +
            "Subject: not a header, the body\r\n");

        await store.DeliverAsync(TestMessages.Inbound(raw, "a@medecin.mssante.fr"));
        var envelope = (await store.ListMessagesAsync(await InboxIdAsync(store, "a@medecin.mssante.fr"))).Single().Envelope;

        Assert.Equal(new MessageEnvelope(
            Date: "Tue, 25 Nov 2025 10:00:00 +0100",
            Subject: "=?utf-8?q?Compte_rendu_d=27hospitalisation?=\tsuite",
            From: "\"Dr Martin\" <dr.martin@medecin.mssante.fr>",
            Sender: "secretariat@medecin.mssante.fr",
            ReplyTo: "cabinet@medecin.mssante.fr",
            To: "a@medecin.mssante.fr, b@medecin.mssante.fr",
            Cc: "c@medecin.mssante.fr",
            Bcc: null,
            InReplyTo: "<precedent@medecin.mssante.fr>",
            MessageId: "<unique-1@medecin.mssante.fr>"), envelope);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n\r\nbody only")]
    [InlineData("this is not a header\r\nnor this\r\n\r\nbody")]
    [InlineData("From: \u0001\u0002 bad <<< address\r\nSubject\r\n: x\r\n")]
    public async Task A_malformed_header_never_fails_delivery(string text)
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        var raw = Encoding.UTF8.GetBytes(text);

        var stored = await store.DeliverAsync(TestMessages.Inbound(raw, "a@medecin.mssante.fr"));

        Assert.Equal(raw, await store.ReadMessageAsync(stored[0].FolderId, stored[0].Uid));
        Assert.NotNull((await store.ListMessagesAsync(stored[0].FolderId)).Single().Envelope);
    }

    // ---- Group commit ------------------------------------------------------------------

    [Fact]
    public async Task Two_hundred_concurrent_deliveries_are_all_stored_with_distinct_contiguous_uids()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        await CreateMailboxAsync(store, "b@medecin.mssante.fr");
        var messages = Enumerable.Range(0, 200).Select(i => TestMessages.Create(subject: $"Message {i}", bodyBytes: 2048)).ToArray();

        var results = await Task.WhenAll(messages.Select(raw => Task.Run(() =>
            store.DeliverAsync(TestMessages.Inbound(raw, "a@medecin.mssante.fr", "b@medecin.mssante.fr")))));

        foreach (var recipient in new[] { 0, 1 })
        {
            var uids = results.Select(r => r[recipient].Uid).Order().ToArray();
            Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), uids);
        }

        await store.ReopenAsync();
        for (var i = 0; i < messages.Length; i++)
        {
            Assert.Equal(messages[i], await store.ReadMessageAsync(results[i][0].FolderId, results[i][0].Uid));
            Assert.Equal(messages[i], await store.ReadMessageAsync(results[i][1].FolderId, results[i][1].Uid));
        }

        var inbox = await store.FindFolderAsync((await store.FindMailboxAsync("a@medecin.mssante.fr"))!.Id, "INBOX");
        Assert.Equal(201, inbox!.UidNext);
        Assert.Equal(200, inbox.MessageCount);
    }

    [Fact]
    public async Task A_failing_write_among_concurrent_ones_fails_alone()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        var start = new TaskCompletionSource();

        var deliveries = Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var recipient = i == 30 ? "inconnu@medecin.mssante.fr" : "a@medecin.mssante.fr";
            return await store.DeliverAsync(TestMessages.Inbound(TestMessages.Create(bodyBytes: 512), recipient));
        })).ToArray();
        var duplicate = Task.Run(async () =>
        {
            await start.Task;
            return await store.CreateMailboxAsync(new NewMailbox("a@medecin.mssante.fr", MailboxKind.Personal));
        });
        var audits = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            await start.Task;
            await store.AppendAuditAsync(new AuditEvent(DateTimeOffset.UtcNow, "smtp", "a@medecin.mssante.fr", "deliver", "ok"));
        })).ToArray();
        start.SetResult();

        await Assert.ThrowsAsync<MailboxNotFoundException>(() => deliveries[30]);
        await Assert.ThrowsAsync<MailboxExistsException>(() => duplicate);
        await Task.WhenAll(audits);
        var succeeded = new List<long>();
        foreach (var delivery in deliveries.Where((_, i) => i != 30))
        {
            succeeded.Add((await delivery)[0].Uid);
        }

        succeeded.Sort();
        Assert.Equal(Enumerable.Range(1, 59).Select(i => (long)i), succeeded);
        Assert.Equal(59, (await store.ListMessagesAsync(await InboxIdAsync(store, "a@medecin.mssante.fr"))).Count);
        Assert.Equal(20, (await store.QueryAuditAsync(new AuditQuery(Mailbox: "a@medecin.mssante.fr"))).Count);
    }
}

public sealed class SqliteMailStoreTests : MailStoreTests
{
    protected override StoreBackend Backend => StoreBackend.Sqlite;
}

public sealed partial class PostgresMailStoreTests : MailStoreTests
{
    protected override StoreBackend Backend => StoreBackend.Postgres;

    // Two store instances on one database are two operator nodes (scale-out).
    [Fact]
    public async Task A_change_made_on_one_node_wakes_the_subscribers_of_another_node()
    {
        await using var nodeA = await NewStoreAsync();
        await using var nodeB = await nodeA.Database.OpenStoreAsync();
        await CreateMailboxAsync(nodeA, "dr.martin@medecin.mssante.fr");
        var inbox = await InboxIdAsync(nodeA, "dr.martin@medecin.mssante.fr");
        var other = await InboxIdAsync(nodeA, (await CreateMailboxAsync(nodeA, "autre@medecin.mssante.fr")).Address);
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var wrongFolder = 0;
        using var subscription = nodeB.FolderChanges.Subscribe(inbox, () => woken.TrySetResult());
        using var unrelated = nodeB.FolderChanges.Subscribe(other, () => Interlocked.Increment(ref wrongFolder));
        await Eventually.WaitUntilAsync(() => nodeB.FolderChanges.CrossProcess);

        await nodeA.AppendAsync(inbox, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow);

        await woken.Task.WaitAsync(Eventually.DefaultDeadline);
        Assert.Equal(0, Volatile.Read(ref wrongFolder));
    }

    [Fact]
    public async Task A_node_that_lost_its_listening_connection_reconnects_and_signals_everyone_once()
    {
        await using var nodeA = await NewStoreAsync();
        await using var nodeB = await nodeA.Database.OpenStoreAsync();
        var inbox = await InboxIdAsync(nodeA, (await CreateMailboxAsync(nodeA, "dr.martin@medecin.mssante.fr")).Address);
        var signals = 0;
        using var subscription = nodeB.FolderChanges.Subscribe(inbox, () => Interlocked.Increment(ref signals));
        await Eventually.WaitUntilAsync(() => nodeB.FolderChanges.CrossProcess);

        // The administrator (or a failover) cuts the listener's connection.
        await using (var admin = await nodeA.Database.OpenConnectionAsync())
        await using (var kill = admin.CreateCommand())
        {
            kill.CommandText = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'openmss-folder-changes' AND datname = current_database()";
            await kill.ExecuteNonQueryAsync();
        }

        await Eventually.WaitUntilAsync(() => Volatile.Read(ref signals) >= 1 && nodeB.FolderChanges.CrossProcess);
        var before = Volatile.Read(ref signals);
        await nodeA.AppendAsync(inbox, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow);
        await Eventually.WaitUntilAsync(() => Volatile.Read(ref signals) > before);
    }
}
