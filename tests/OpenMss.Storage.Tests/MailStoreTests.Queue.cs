using OpenMss.Testing;

namespace OpenMss.Storage.Tests;

public abstract partial class MailStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);

    private static OutboundMessage Outbound(byte[] raw, params OutboundRecipient[] recipients) =>
        new("dr.martin@medecin.mssante.fr", recipients, raw, T0, EnvelopeId: "ENV-42", ReturnFullMessage: true);

    [Fact]
    public async Task Enqueue_makes_one_entry_per_destination_domain_sharing_the_bytes()
    {
        await using var store = await NewStoreAsync();
        var raw = TestMessages.Create();

        var ids = await store.EnqueueAsync(Outbound(raw,
            new OutboundRecipient("alice@pharmacien.mssante.fr", DsnNotify.Success | DsnNotify.Failure, "rfc822;alice@pharmacien.mssante.fr"),
            new OutboundRecipient("bob@chu-nantes.mssante.fr"),
            new OutboundRecipient("Carol@PHARMACIEN.mssante.fr", DsnNotify.Never)));

        Assert.Equal(2, ids.Count);
        Assert.Equal(2, await store.CountQueueAsync());
        var pharmacien = (await store.FindQueueEntryAsync(ids[0]))!;
        var chu = (await store.FindQueueEntryAsync(ids[1]))!;
        Assert.Equal("pharmacien.mssante.fr", pharmacien.Domain);
        Assert.Equal("chu-nantes.mssante.fr", chu.Domain);
        Assert.Equal(["alice@pharmacien.mssante.fr", "Carol@PHARMACIEN.mssante.fr"], pharmacien.Recipients.Select(r => r.Address));
        Assert.Equal([DsnNotify.Success | DsnNotify.Failure, DsnNotify.Never], pharmacien.Recipients.Select(r => r.Notify));
        Assert.Equal(["rfc822;alice@pharmacien.mssante.fr", null], pharmacien.Recipients.Select(r => r.OriginalRecipient));
        Assert.All(pharmacien.Recipients.Concat(chu.Recipients), r => Assert.Equal(RecipientState.Pending, r.State));
        Assert.Equal("dr.martin@medecin.mssante.fr", pharmacien.MailFrom);
        Assert.Equal("ENV-42", pharmacien.EnvelopeId);
        Assert.True(pharmacien.ReturnFullMessage);
        Assert.Equal(raw.Length, pharmacien.Size);
        Assert.Equal(T0, pharmacien.QueuedAt);
        Assert.Equal(T0, pharmacien.NextAttemptAt);
        Assert.Equal(0, pharmacien.Attempts);
        Assert.Null(pharmacien.LeaseOwner);
        Assert.Equal(raw, await store.ReadQueuedMessageAsync(ids[0]));
        Assert.Equal(raw, await store.ReadQueuedMessageAsync(ids[1]));
        Assert.Equal(ids, (await store.ListQueueAsync()).Select(e => e.Id).Order());
    }

    [Fact]
    public async Task A_leased_entry_is_not_given_to_another_worker_until_its_lease_expires()
    {
        await using var store = await NewStoreAsync();
        var ids = await store.EnqueueAsync(Outbound(TestMessages.Create(), new OutboundRecipient("alice@pharmacien.mssante.fr")));

        var first = await store.LeaseDueAsync(T0.AddSeconds(1), 10, TimeSpan.FromMinutes(5), "node-a");
        var second = await store.LeaseDueAsync(T0.AddMinutes(4), 10, TimeSpan.FromMinutes(5), "node-b");
        var afterExpiry = await store.LeaseDueAsync(T0.AddMinutes(6), 10, TimeSpan.FromMinutes(5), "node-b");

        var leased = Assert.Single(first);
        Assert.Equal(ids[0], leased.Id);
        Assert.Equal("node-a", leased.LeaseOwner);
        Assert.Equal(T0.AddSeconds(1).AddMinutes(5), leased.LeaseUntil);
        Assert.Equal("alice@pharmacien.mssante.fr", Assert.Single(leased.Recipients).Address);
        Assert.Empty(second);
        Assert.Equal("node-b", Assert.Single(afterExpiry).LeaseOwner);
        Assert.Equal("node-b", (await store.FindQueueEntryAsync(ids[0]))!.LeaseOwner);
    }

    [Fact]
    public async Task Leasing_takes_only_due_entries_the_most_overdue_first_and_at_most_max()
    {
        await using var store = await NewStoreAsync();
        var late = await store.EnqueueAsync(Outbound(TestMessages.Create(), new OutboundRecipient("a@late.mssante.fr")) with { QueuedAt = T0.AddMinutes(2) });
        var early = await store.EnqueueAsync(Outbound(TestMessages.Create(), new OutboundRecipient("a@early.mssante.fr")) with { QueuedAt = T0 });
        var future = await store.EnqueueAsync(Outbound(TestMessages.Create(), new OutboundRecipient("a@future.mssante.fr")) with { QueuedAt = T0.AddHours(1) });

        var one = await store.LeaseDueAsync(T0.AddMinutes(5), 1, TimeSpan.FromMinutes(1), "node-a");
        var rest = await store.LeaseDueAsync(T0.AddMinutes(5), 10, TimeSpan.FromMinutes(1), "node-a");

        Assert.Equal(early, one.Select(e => e.Id));
        Assert.Equal(late, rest.Select(e => e.Id));
        Assert.Null((await store.FindQueueEntryAsync(future[0]))!.LeaseOwner);
    }

    [Fact]
    public async Task An_attempt_with_a_pending_recipient_reschedules_and_the_final_one_removes_the_entry()
    {
        await using var store = await NewStoreAsync();
        var raw = TestMessages.Create();
        var id = (await store.EnqueueAsync(Outbound(raw,
            new OutboundRecipient("alice@pharmacien.mssante.fr"),
            new OutboundRecipient("bob@pharmacien.mssante.fr"))))[0];
        var entry = Assert.Single(await store.LeaseDueAsync(T0, 10, TimeSpan.FromMinutes(5), "node-a"));
        var (alice, bob) = (entry.Recipients[0], entry.Recipients[1]);

        await store.RecordAttemptAsync(new QueueAttempt(id, "node-a",
            [
                new RecipientOutcome(alice.Id, RecipientState.Delivered, "2.0.0", "smtp; 250 2.0.0 OK"),
                new RecipientOutcome(bob.Id, RecipientState.Pending, "4.2.2", "smtp; 452 4.2.2 mailbox full"),
            ],
            NextAttemptAt: T0.AddMinutes(10), LastError: "452 4.2.2 mailbox full", DelayNotified: true));

        var rescheduled = (await store.FindQueueEntryAsync(id))!;
        Assert.Equal(1, rescheduled.Attempts);
        Assert.Equal(T0.AddMinutes(10), rescheduled.NextAttemptAt);
        Assert.Equal("452 4.2.2 mailbox full", rescheduled.LastError);
        Assert.True(rescheduled.DelayNotified);
        Assert.Null(rescheduled.LeaseOwner);
        Assert.Null(rescheduled.LeaseUntil);
        Assert.Equal([RecipientState.Delivered, RecipientState.Pending], rescheduled.Recipients.Select(r => r.State));
        Assert.Equal(["2.0.0", "4.2.2"], rescheduled.Recipients.Select(r => r.Status));
        Assert.Equal("smtp; 452 4.2.2 mailbox full", rescheduled.Recipients[1].Diagnostic);
        Assert.Empty(await store.LeaseDueAsync(T0.AddMinutes(9), 10, TimeSpan.FromMinutes(5), "node-a"));

        var retry = Assert.Single(await store.LeaseDueAsync(T0.AddMinutes(10), 10, TimeSpan.FromMinutes(5), "node-b"));
        await store.RecordAttemptAsync(new QueueAttempt(id, "node-b",
            [new RecipientOutcome(bob.Id, RecipientState.Failed, "5.2.2", "smtp; 552 5.2.2 over quota")],
            NextAttemptAt: T0.AddMinutes(30), LastError: null, DelayNotified: true));

        Assert.Null(await store.FindQueueEntryAsync(retry.Id));
        Assert.Null(await store.ReadQueuedMessageAsync(id));
        Assert.Equal(0, await store.CountQueueAsync());
        Assert.Empty(await store.ListQueueAsync());
    }

    [Fact]
    public async Task A_worker_that_lost_its_lease_cannot_record_an_attempt()
    {
        await using var store = await NewStoreAsync();
        var id = (await store.EnqueueAsync(Outbound(TestMessages.Create(), new OutboundRecipient("alice@pharmacien.mssante.fr"))))[0];
        var stale = Assert.Single(await store.LeaseDueAsync(T0, 10, TimeSpan.FromMinutes(1), "node-a"));
        Assert.Single(await store.LeaseDueAsync(T0.AddMinutes(2), 10, TimeSpan.FromMinutes(5), "node-b"));

        var error = await Assert.ThrowsAsync<QueueLeaseLostException>(() => store.RecordAttemptAsync(new QueueAttempt(id, "node-a",
            [new RecipientOutcome(stale.Recipients[0].Id, RecipientState.Delivered, "2.0.0", null)], T0.AddMinutes(10), null, false)));

        Assert.Equal(id, error.EntryId);
        var entry = (await store.FindQueueEntryAsync(id))!;
        Assert.Equal("node-b", entry.LeaseOwner);
        Assert.Equal(RecipientState.Pending, entry.Recipients[0].State);
        Assert.Equal(0, entry.Attempts);
    }

    [Fact]
    public async Task Retry_now_makes_an_entry_due_and_releases_its_lease()
    {
        var clock = new ManualTimeProvider(T0.AddHours(2));
        await using var store = await NewStoreAsync(clock);
        var id = (await store.EnqueueAsync(Outbound(TestMessages.Create(), new OutboundRecipient("alice@pharmacien.mssante.fr"))))[0];
        var entry = Assert.Single(await store.LeaseDueAsync(T0, 10, TimeSpan.FromMinutes(5), "node-a"));
        await store.RecordAttemptAsync(new QueueAttempt(id, "node-a", [], T0.AddDays(1), "connection refused", false));
        Assert.Empty(await store.LeaseDueAsync(clock.GetUtcNow(), 10, TimeSpan.FromMinutes(5), "node-a"));

        Assert.True(await store.RetryNowAsync(id));

        var due = (await store.FindQueueEntryAsync(id))!;
        Assert.Equal(clock.GetUtcNow(), due.NextAttemptAt);
        Assert.Equal(entry.Id, Assert.Single(await store.LeaseDueAsync(clock.GetUtcNow(), 10, TimeSpan.FromMinutes(5), "node-a")).Id);
        Assert.False(await store.RetryNowAsync(id + 1000));
    }

    [Fact]
    public async Task Dropping_an_entry_removes_it_and_keeps_the_other_domains_entry_readable()
    {
        await using var store = await NewStoreAsync();
        var raw = TestMessages.Create();
        var ids = await store.EnqueueAsync(Outbound(raw,
            new OutboundRecipient("alice@pharmacien.mssante.fr"),
            new OutboundRecipient("bob@chu-nantes.mssante.fr")));

        Assert.True(await store.DropAsync(ids[0]));

        Assert.False(await store.DropAsync(ids[0]));
        Assert.Null(await store.FindQueueEntryAsync(ids[0]));
        Assert.Equal(1, await store.CountQueueAsync());
        Assert.Equal(raw, await store.ReadQueuedMessageAsync(ids[1]));
        Assert.True(await store.DropAsync(ids[1]));
        Assert.Equal(0, await store.CountQueueAsync());
    }

    [Fact]
    public async Task An_attempt_on_an_entry_dropped_meanwhile_is_ignored()
    {
        await using var store = await NewStoreAsync();
        var id = (await store.EnqueueAsync(Outbound(TestMessages.Create(), new OutboundRecipient("alice@pharmacien.mssante.fr"))))[0];
        var entry = Assert.Single(await store.LeaseDueAsync(T0, 10, TimeSpan.FromMinutes(5), "node-a"));
        await store.DropAsync(id);

        await store.RecordAttemptAsync(new QueueAttempt(id, "node-a",
            [new RecipientOutcome(entry.Recipients[0].Id, RecipientState.Delivered, "2.0.0", null)], T0, null, false));

        Assert.Equal(0, await store.CountQueueAsync());
    }

    [Fact]
    public async Task The_queue_survives_reopening_the_store()
    {
        await using var store = await NewStoreAsync();
        var raw = TestMessages.Create();
        var ids = await store.EnqueueAsync(Outbound(raw, new OutboundRecipient("alice@pharmacien.mssante.fr")));
        var entry = Assert.Single(await store.LeaseDueAsync(T0, 10, TimeSpan.FromMinutes(5), "node-a"));
        await store.RecordAttemptAsync(new QueueAttempt(ids[0], "node-a", [], T0.AddMinutes(15), "421 4.3.2 try later", false));

        await store.ReopenAsync();

        var listed = Assert.Single(await store.ListQueueAsync());
        Assert.Equal(ids[0], listed.Id);
        Assert.Equal(1, listed.Attempts);
        Assert.Equal(T0.AddMinutes(15), listed.NextAttemptAt);
        Assert.Equal(entry.Recipients, listed.Recipients);
        Assert.Equal(raw, await store.ReadQueuedMessageAsync(ids[0]));
    }

    [Fact]
    public async Task Enqueue_refuses_a_recipient_without_a_domain_and_queues_nothing()
    {
        await using var store = await NewStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.EnqueueAsync(Outbound(TestMessages.Create(),
            new OutboundRecipient("alice@pharmacien.mssante.fr"), new OutboundRecipient("bob"))));

        Assert.Equal(0, await store.CountQueueAsync());
    }
}
