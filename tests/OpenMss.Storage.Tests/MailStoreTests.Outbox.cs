using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using OpenMss.Storage.Outbox;
using OpenMss.Testing;

namespace OpenMss.Storage.Tests;

public abstract partial class MailStoreTests
{
    protected const string Notifications = "patient-notifications";

    private static readonly OutboxDispatcherOptions FastOutbox = new() { BatchSize = 5, LeaseDuration = TimeSpan.FromMinutes(5), SafetyPoll = TimeSpan.FromMinutes(1) };

    /// <summary>A reply in a thread: the thread identifiers a delivery event carries.</summary>
    protected static byte[] Reply(string messageId, string subject = "Re: Ordonnance de M. Durand") => Encoding.UTF8.GetBytes(
        "From: pharmacie@pharmacien.mssante.fr\r\n" +
        "To: dr.martin@medecin.mssante.fr\r\n" +
        $"Subject: {subject}\r\n" +
        $"Message-ID: <{messageId}>\r\n" +
        "In-Reply-To: <origine@medecin.mssante.fr>\r\n" +
        "References: <debut@medecin.mssante.fr>\r\n <origine@medecin.mssante.fr>\r\n" +
        "\r\n" +
        "Posologie confirmée.\r\n");

    [Theory]
    [InlineData(DeliverySenderKind.Relay)]
    [InlineData(DeliverySenderKind.Submission)]
    [InlineData(DeliverySenderKind.Local)]
    public async Task A_delivery_raises_one_event_per_copy_once_it_is_committed(DeliverySenderKind kind)
    {
        await using var store = await NewStoreAsync();
        var martin = await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        var durand = await CreateMailboxAsync(store, "dr.durand@medecin.mssante.fr");
        var events = new ConcurrentQueue<DeliveryEvent>();
        var readsAtEvent = new ConcurrentQueue<Task<byte[]?>>();
        using var subscription = store.Deliveries.Subscribe(e =>
        {
            events.Enqueue(e);

            // Read from another connection the moment the event is raised: the copy must be there.
            readsAtEvent.Enqueue(store.ReadMessageAsync(e.FolderId, e.Uid));
        });
        var at = new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);

        var stored = await store.DeliverAsync(new InboundMessage(
            "pharmacie@pharmacien.mssante.fr", ["DR.MARTIN@medecin.mssante.fr", "dr.durand@medecin.mssante.fr"], Reply("r1@pharmacien.mssante.fr"), at, SenderKind: kind));

        Assert.Equal(2, events.Count);
        Assert.All(await Task.WhenAll(readsAtEvent), Assert.NotNull);
        var byMailbox = events.ToDictionary(e => e.MailboxAddress);
        var first = byMailbox["dr.martin@medecin.mssante.fr"];
        Assert.Equal(martin.Id, first.MailboxId);
        Assert.Equal(stored[0].FolderId, first.FolderId);
        Assert.Equal(stored[0].Uid, first.Uid);
        Assert.Equal(kind, first.SenderKind);
        Assert.Equal("pharmacie@pharmacien.mssante.fr", first.SenderAddress);
        Assert.Equal("<r1@pharmacien.mssante.fr>", first.MessageId);
        Assert.Equal("<origine@medecin.mssante.fr>", first.InReplyTo);
        Assert.Equal("<debut@medecin.mssante.fr> <origine@medecin.mssante.fr>", first.References);
        Assert.Equal(at, first.DeliveredAt);
        Assert.Equal(durand.Id, byMailbox["dr.durand@medecin.mssante.fr"].MailboxId);
        Assert.Equal(stored[1].Uid, byMailbox["dr.durand@medecin.mssante.fr"].Uid);
    }

    [Fact]
    public async Task A_failed_delivery_raises_no_event_and_writes_no_outbox_row()
    {
        await using var store = await NewStoreAsync();
        store.RegisterOutboxConsumer(Notifications);
        await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        var events = 0;
        using var subscription = store.Deliveries.Subscribe(_ => Interlocked.Increment(ref events));

        // Concurrent deliveries share a batch: the failing one is rolled back alone.
        var good = Enumerable.Range(0, 4).Select(i => store.DeliverAsync(TestMessages.Inbound(Reply($"ok{i}@x"), "dr.martin@medecin.mssante.fr"))).ToList();
        var bad = store.DeliverAsync(TestMessages.Inbound(Reply("ko@x"), "dr.martin@medecin.mssante.fr", "inconnu@medecin.mssante.fr"));
        await Task.WhenAll(good);
        await Assert.ThrowsAsync<MailboxNotFoundException>(() => bad);

        Assert.Equal(4, Volatile.Read(ref events));
        await using var observer = await store.Database.OpenConnectionAsync();
        Assert.Equal(4L, await ScalarAsync(observer, "SELECT COUNT(*) FROM delivery_outbox"));
        Assert.Equal(4L, await ScalarAsync(observer, "SELECT COUNT(*) FROM messages"));
        var leased = await store.LeaseOutboxAsync(Notifications, 10, TimeSpan.FromMinutes(1));
        Assert.Equal(["<ok0@x>", "<ok1@x>", "<ok2@x>", "<ok3@x>"], leased.Select(e => e.Event.MessageId!).Order());
    }

    [Fact]
    public async Task Without_a_consumer_a_delivery_writes_no_outbox_row_and_with_two_each_gets_every_copy()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        await CreateMailboxAsync(store, "dr.durand@medecin.mssante.fr");
        await using var observer = await store.Database.OpenConnectionAsync();

        await store.DeliverAsync(TestMessages.Inbound(Reply("a@x"), "dr.martin@medecin.mssante.fr", "dr.durand@medecin.mssante.fr"));
        Assert.Equal(0L, await ScalarAsync(observer, "SELECT COUNT(*) FROM delivery_outbox"));

        store.RegisterOutboxConsumer(Notifications);
        store.RegisterOutboxConsumer("workspace-digest");
        store.RegisterOutboxConsumer(Notifications);
        await store.DeliverAsync(new InboundMessage("", ["dr.martin@medecin.mssante.fr", "dr.durand@medecin.mssante.fr"], Reply("b@x"), DateTimeOffset.UtcNow,
            new DeliveryAudit("operator:pharmacien.mssante.fr"), DeliverySenderKind.Relay));

        Assert.Equal(4L, await ScalarAsync(observer, "SELECT COUNT(*) FROM delivery_outbox"));
        foreach (var consumer in new[] { Notifications, "workspace-digest" })
        {
            var entries = await store.LeaseOutboxAsync(consumer, 10, TimeSpan.FromMinutes(1));
            Assert.Equal(["dr.durand@medecin.mssante.fr", "dr.martin@medecin.mssante.fr"], entries.Select(e => e.Event.MailboxAddress).Order());
            Assert.All(entries, e =>
            {
                Assert.Equal(DeliverySenderKind.Relay, e.Event.SenderKind);
                Assert.Null(e.Event.SenderAddress);
                Assert.Equal("<b@x>", e.Event.MessageId);
                Assert.Equal("<origine@medecin.mssante.fr>", e.Event.InReplyTo);
            });
            await store.CompleteOutboxAsync(entries.Select(e => e.Id).ToList());
            await store.CompleteOutboxAsync(entries.Select(e => e.Id).ToList());
        }

        Assert.Equal(0L, await ScalarAsync(observer, "SELECT COUNT(*) FROM delivery_outbox"));
    }

    [Fact]
    public async Task The_outbox_keeps_thread_identifiers_and_senders_sealed()
    {
        await using var store = await NewStoreAsync();
        store.RegisterOutboxConsumer(Notifications);
        await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");

        await store.DeliverAsync(TestMessages.Inbound(Reply("secret-thread@pharmacien.mssante.fr"), "dr.martin@medecin.mssante.fr"));

        await using var observer = await store.Database.OpenConnectionAsync();
        await using var command = observer.CreateCommand();
        command.CommandText = "SELECT fields FROM delivery_outbox";
        var fields = (byte[])(await command.ExecuteScalarAsync())!;
        Assert.DoesNotContain("secret-thread", Encoding.UTF8.GetString(fields), StringComparison.Ordinal);
        Assert.DoesNotContain("dr.martin@medecin.mssante.fr", Encoding.UTF8.GetString(fields), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_append_to_the_inbox_is_a_delivery_and_an_append_elsewhere_is_not()
    {
        await using var store = await NewStoreAsync();
        store.RegisterOutboxConsumer(Notifications);
        var mailbox = await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        var sent = (await store.FindFolderAsync(mailbox.Id, StandardFolders.Sent))!;
        var inbox = (await store.FindFolderAsync(mailbox.Id, StandardFolders.Inbox))!;
        var events = new ConcurrentQueue<DeliveryEvent>();
        using var subscription = store.Deliveries.Subscribe(events.Enqueue);

        await store.AppendAsync(sent.Id, Reply("sent@x"), MessageFlags.Seen, DateTimeOffset.UtcNow);
        Assert.Empty(events);
        var appended = await store.AppendAsync(inbox.Id, Reply("imported@x"), MessageFlags.None, DateTimeOffset.UtcNow);

        var raised = Assert.Single(events);
        Assert.Equal(DeliverySenderKind.Append, raised.SenderKind);
        Assert.Equal((mailbox.Id, inbox.Id, appended.Uid, "<imported@x>"), (raised.MailboxId, raised.FolderId, raised.Uid, raised.MessageId));
        Assert.Null(raised.SenderAddress);
        var row = Assert.Single(await store.LeaseOutboxAsync(Notifications, 10, TimeSpan.FromMinutes(1)));
        Assert.Equal(raised, row.Event);
    }

    [Fact]
    public async Task A_dispatcher_hands_over_pending_rows_in_order_and_a_restarted_one_catches_up()
    {
        await using var store = await NewStoreAsync();
        store.Options.OutboxConsumers.Add(Notifications);
        await store.ReopenAsync();
        await CreateMailboxAsync(store, "patient@patient.mssante.fr");
        var handled = new ConcurrentQueue<OutboxEntry>();
        var dispatcher = new OutboxDispatcher(store, Notifications, (entry, _) => { handled.Enqueue(entry); return ValueTask.CompletedTask; }, FastOutbox);
        dispatcher.Start();

        await store.DeliverAsync(TestMessages.Inbound(Reply("m1@x"), "patient@patient.mssante.fr"));
        await Eventually.WaitUntilAsync(() => handled.Count == 1, "the first event");

        // The consumer is down (its node restarts) while messages keep arriving.
        await dispatcher.DisposeAsync();
        for (var i = 2; i <= 12; i++)
        {
            await store.DeliverAsync(TestMessages.Inbound(Reply($"m{i}@x"), "patient@patient.mssante.fr"));
        }

        await store.ReopenAsync();
        await using var restarted = new OutboxDispatcher(store, Notifications, (entry, _) => { handled.Enqueue(entry); return ValueTask.CompletedTask; }, FastOutbox);
        restarted.Start();

        await Eventually.WaitUntilAsync(() => handled.Count == 12, "the events delivered while the consumer was down");
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), handled.Select(e => e.Event.Uid));
        Assert.Equal(handled.Select(e => e.Id).Order(), handled.Select(e => e.Id));
        await Eventually.WaitUntilAsync(async () => (await store.LeaseOutboxAsync(Notifications, 10, TimeSpan.FromMinutes(1))).Count == 0, "the handled rows to be deleted");
    }

    [Fact]
    public async Task A_row_whose_handler_failed_is_handed_over_again_once_its_lease_runs_out()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var started = clock.GetUtcNow();
        await using var store = await NewStoreAsync(clock);
        store.RegisterOutboxConsumer(Notifications);
        await CreateMailboxAsync(store, "patient@patient.mssante.fr");
        var attempts = new ConcurrentQueue<long>();
        await using var dispatcher = new OutboxDispatcher(store, Notifications, (entry, _) =>
        {
            attempts.Enqueue(entry.Event.Uid);
            return attempts.Count == 2 ? throw new IOException("notification service unreachable") : ValueTask.CompletedTask;
        }, FastOutbox, clock);
        dispatcher.Start();

        await store.DeliverAsync(TestMessages.Inbound(Reply("m1@x"), "patient@patient.mssante.fr"));
        await store.DeliverAsync(TestMessages.Inbound(Reply("m2@x"), "patient@patient.mssante.fr"));
        await Eventually.WaitUntilAsync(() => attempts.Count >= 2, "the failing attempt");
        Assert.Equal([1L, 2L], attempts.Take(2));

        // Nothing more until the lease of the failed row runs out; then it comes back, alone.
        await Eventually.WaitUntilAsync(() =>
        {
            clock.Advance(FastOutbox.SafetyPoll);
            return attempts.Count >= 3;
        }, "the retry");
        Assert.Equal([1L, 2L, 2L], attempts.Take(3));
        Assert.True(clock.GetUtcNow() - started >= FastOutbox.LeaseDuration);
    }

    [Fact]
    public async Task The_safety_poll_finds_rows_another_node_wrote()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var store = await NewStoreAsync();
        store.RegisterOutboxConsumer(Notifications);
        await using var otherNode = await store.Database.OpenStoreAsync();
        otherNode.RegisterOutboxConsumer(Notifications);
        await CreateMailboxAsync(store, "patient@patient.mssante.fr");
        var handled = new ConcurrentQueue<OutboxEntry>();
        await using var dispatcher = new OutboxDispatcher(store, Notifications, (entry, _) => { handled.Enqueue(entry); return ValueTask.CompletedTask; }, FastOutbox, clock);
        dispatcher.Start();

        await otherNode.DeliverAsync(TestMessages.Inbound(Reply("m1@x"), "patient@patient.mssante.fr"));

        // On SQLite nothing wakes this node: the poll does (on PostgreSQL, NOTIFY may come first).
        await Eventually.WaitUntilAsync(() =>
        {
            clock.Advance(FastOutbox.SafetyPoll);
            return !handled.IsEmpty;
        }, "the poll to find the row");
        Assert.Equal("<m1@x>", Assert.Single(handled).Event.MessageId);
    }

    [Fact]
    public async Task Two_nodes_running_one_consumer_handle_each_row_once()
    {
        await using var store = await NewStoreAsync();
        store.RegisterOutboxConsumer(Notifications);
        await using var otherNode = await store.Database.OpenStoreAsync();
        otherNode.RegisterOutboxConsumer(Notifications);
        await CreateMailboxAsync(store, "patient@patient.mssante.fr");
        for (var i = 0; i < 30; i++)
        {
            await (i % 2 == 0 ? store : otherNode).DeliverAsync(TestMessages.Inbound(Reply($"m{i}@x"), "patient@patient.mssante.fr"));
        }

        var handled = new ConcurrentQueue<(string Node, long Id)>();
        OutboxDispatcher Dispatcher(IDeliveryOutbox node, string name) =>
            new(node, Notifications, (entry, _) => { handled.Enqueue((name, entry.Id)); return ValueTask.CompletedTask; }, FastOutbox);
        await using var a = Dispatcher(store, "a");
        await using var b = Dispatcher(otherNode, "b");
        a.Start();
        b.Start();

        await Eventually.WaitUntilAsync(() => handled.Count >= 30, "every row to be handled");
        await a.DisposeAsync();
        await b.DisposeAsync();
        Assert.Equal(30, handled.Count);
        Assert.Equal(30, handled.Select(h => h.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_version_6_database_is_upgraded_to_the_delivery_outbox()
    {
        await using var database = await TestDatabase.CreateAsync(Backend);
        StoredMessageRef old;
        await using (var v6 = MailStoreFactory.Create(database.Options))
        {
            // Without a consumer, today's store never touches the outbox: it runs on a version 6 schema.
            await v6.MigrateAsync(targetVersion: 6, CancellationToken.None);
            await v6.CreateMailboxAsync(new NewMailbox("patient@patient.mssante.fr", Core.MailboxKind.Personal));
            old = (await v6.DeliverAsync(TestMessages.Inbound(Reply("old@x"), "patient@patient.mssante.fr")))[0];
        }

        database.Options.OutboxConsumers.Add(Notifications);
        await using var store = await database.OpenStoreAsync();

        Assert.NotNull(await store.ReadMessageAsync(old.FolderId, old.Uid));
        Assert.Empty(await store.LeaseOutboxAsync(Notifications, 10, TimeSpan.FromMinutes(1)));
        var next = (await store.DeliverAsync(TestMessages.Inbound(Reply("new@x"), "patient@patient.mssante.fr")))[0];
        Assert.Equal(old.Uid + 1, next.Uid);
        var entry = Assert.Single(await store.LeaseOutboxAsync(Notifications, 10, TimeSpan.FromMinutes(1)));
        Assert.Equal(("<new@x>", next.Uid), (entry.Event.MessageId, entry.Event.Uid));
        await using var check = await database.OpenConnectionAsync();
        Assert.Equal(7L, await ScalarAsync(check, "SELECT MAX(version) FROM schema_version"));
    }

    [Fact]
    public async Task A_row_whose_mailbox_was_deleted_is_dropped()
    {
        await using var store = await NewStoreAsync();
        store.RegisterOutboxConsumer(Notifications);
        await CreateMailboxAsync(store, "patient@patient.mssante.fr");
        await CreateMailboxAsync(store, "autre@patient.mssante.fr");
        await store.DeliverAsync(TestMessages.Inbound(Reply("m@x"), "patient@patient.mssante.fr", "autre@patient.mssante.fr"));

        await store.DeleteMailboxAsync("patient@patient.mssante.fr");

        Assert.Equal("autre@patient.mssante.fr", Assert.Single(await store.LeaseOutboxAsync(Notifications, 10, TimeSpan.FromMinutes(1))).Event.MailboxAddress);
        await using var observer = await store.Database.OpenConnectionAsync();
        Assert.Equal(1L, await ScalarAsync(observer, "SELECT COUNT(*) FROM delivery_outbox"));
    }
}

public sealed partial class PostgresMailStoreTests
{
    [Fact]
    public async Task A_delivery_on_one_node_wakes_the_outbox_dispatcher_of_another_node()
    {
        // The dispatcher's clock never moves: only the NOTIFY can wake it.
        var frozen = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var nodeA = await NewStoreAsync();
        nodeA.RegisterOutboxConsumer(Notifications);
        await using var nodeB = await nodeA.Database.OpenStoreAsync();
        nodeB.RegisterOutboxConsumer(Notifications);
        await CreateMailboxAsync(nodeA, "patient@patient.mssante.fr");
        var handled = new ConcurrentQueue<OutboxEntry>();
        await using var dispatcher = new OutboxDispatcher(nodeB, Notifications, (entry, _) => { handled.Enqueue(entry); return ValueTask.CompletedTask; }, timeProvider: frozen);
        dispatcher.Start();
        await Eventually.WaitUntilAsync(() => nodeB.FolderChanges.CrossProcess, "node B to listen");

        await nodeA.DeliverAsync(TestMessages.Inbound(Reply("m@x"), "patient@patient.mssante.fr"));

        await Eventually.WaitUntilAsync(() => handled.Count == 1, "node B to handle node A's delivery");
        Assert.Equal("<m@x>", handled.Single().Event.MessageId);
    }
}
