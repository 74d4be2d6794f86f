using OpenMss.Queue.Delivery;
using OpenMss.Queue.Tests.Support;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.Queue.Tests;

/// <summary>
/// Several nodes on one store (scaling out): each <see cref="DeliveryWorker"/> is a node;
/// a delivery that outlasts its lease keeps it by a heartbeat, and a node that lost its lease can
/// neither complete the entry nor notify the sender. Real sockets and TLS, both store backends.
/// </summary>
public sealed class LeaseTests
{
    [Theory]
    [MemberData(nameof(TestStores.Backends), MemberType = typeof(TestStores))]
    public async Task A_delivery_slower_than_the_lease_is_sent_once_although_a_second_node_polls_the_queue(StoreBackend backend)
    {
        await using var harness = await QueueHarness.CreateAsync(backend);
        await using var remote = harness.Remote().Start();

        // The relay holds its answer to the end of DATA while the test's clock runs through three leases.
        var lease = TimeSpan.FromSeconds(3);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        remote.DataReplyGate = release.Task;
        using var nodeA = harness.NewWorker(NodeOptions("node-a", lease), harness.Clock);
        using var nodeB = harness.NewWorker(NodeOptions("node-b", lease), harness.Clock);

        await nodeA.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        using var stop = new CancellationTokenSource();
        var runA = nodeA.RunAsync(stop.Token);
        await remote.DataReceived.Task.WaitAsync(Eventually.DefaultDeadline);
        var runB = nodeB.RunAsync(stop.Token);

        // Each renewal interval, node A's heartbeat extends the lease; node B polls at every step
        // and never finds the entry due. Nine steps: three leases' worth of time.
        var interval = NodeOptions("node-a", lease).LeaseRenewalInterval;
        for (var step = 0; step < 9; step++)
        {
            harness.Clock.Advance(interval);
            var now = harness.Clock.GetUtcNow();
            await Eventually.WaitUntilAsync(async () => (await harness.Store.ListQueueAsync()).Single().LeaseUntil >= now + lease - TimeSpan.FromMilliseconds(1),
                "node A's heartbeat to renew the lease");
            Assert.Equal("node-a", (await harness.Store.ListQueueAsync()).Single().LeaseOwner);
        }

        release.SetResult();
        await Eventually.WaitUntilAsync(async () => await harness.Store.CountQueueAsync() == 0, "the delivery to complete");

        // Node B keeps polling for two more leases: nothing is left for it to send.
        for (var step = 0; step < 6; step++)
        {
            harness.Clock.Advance(interval);
            await Task.Yield();
        }

        await stop.CancelAsync();
        await Task.WhenAll(runA, runB);

        Assert.Single(remote.Received);
        Assert.Equal(1, remote.Connections);
        Assert.Empty(await harness.InboxAsync(QueueHarness.Sender));
    }

    [Theory]
    [MemberData(nameof(TestStores.Backends), MemberType = typeof(TestStores))]
    public async Task A_node_whose_lease_was_taken_over_abandons_the_delivery_and_records_nothing(StoreBackend backend)
    {
        await using var harness = await QueueHarness.CreateAsync(backend);
        await using var remote = harness.Remote().Start();
        // The relay never answers the end of DATA while the test runs.
        remote.DataReplyGate = new TaskCompletionSource().Task;
        remote.RcptReply = _ => "250 2.1.5 OK";

        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        var run = harness.Worker.RunOnceAsync();
        await remote.DataReceived.Task.WaitAsync(Eventually.DefaultDeadline);

        // Node A stalls (its heartbeat has not beaten yet); its lease has expired for node B, which takes the entry.
        var takenAt = harness.Clock.GetUtcNow() + harness.Options.LeaseDuration + TimeSpan.FromSeconds(1);
        var taken = Assert.Single(await harness.Store.LeaseDueAsync(takenAt, 10, TimeSpan.FromMinutes(5), "node-b"));

        // A's next heartbeat learns it lost the lease and cuts its delivery short.
        harness.Clock.Advance(harness.Options.LeaseRenewalInterval);
        Assert.Equal(1, await run.WaitAsync(Eventually.DefaultDeadline));

        var entry = Assert.Single(await harness.Store.ListQueueAsync());
        Assert.Equal(taken.Id, entry.Id);
        Assert.Equal("node-b", entry.LeaseOwner);
        Assert.Equal(0, entry.Attempts);
        Assert.All(entry.Recipients, r => Assert.Equal(RecipientState.Pending, r.State));
        Assert.Empty(await harness.InboxAsync(QueueHarness.Sender));
    }

    [Theory]
    [MemberData(nameof(TestStores.Backends), MemberType = typeof(TestStores))]
    public async Task A_node_that_lost_its_lease_cannot_renew_it_nor_record_an_outcome_over_the_new_holder(StoreBackend backend)
    {
        await using var harness = await QueueHarness.CreateAsync(backend);
        var store = harness.Store;
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        var now = harness.Clock.GetUtcNow();
        var lease = TimeSpan.FromMinutes(5);

        var leasedByA = Assert.Single(await store.LeaseDueAsync(now, 10, lease, "node-a"));
        Assert.True(await store.RenewLeaseAsync(leasedByA.Id, "node-a", now + lease + TimeSpan.FromMinutes(1)));
        Assert.Empty(await store.LeaseDueAsync(now + lease + TimeSpan.FromSeconds(30), 10, lease, "node-b"));

        var later = now + lease + TimeSpan.FromMinutes(2);
        var leasedByB = Assert.Single(await store.LeaseDueAsync(later, 10, lease, "node-b"));
        Assert.False(await store.RenewLeaseAsync(leasedByA.Id, "node-a", later + lease));

        var delivered = new QueueAttempt(leasedByA.Id, "node-a", [new RecipientOutcome(leasedByA.Recipients[0].Id, RecipientState.Delivered, "2.0.0", null)], later, null, false);
        await Assert.ThrowsAsync<QueueLeaseLostException>(() => store.RecordAttemptAsync(delivered));

        var entry = (await store.FindQueueEntryAsync(leasedByB.Id))!;
        Assert.Equal("node-b", entry.LeaseOwner);
        Assert.Equal(later + lease, entry.LeaseUntil!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal(RecipientState.Pending, Assert.Single(entry.Recipients).State);

        // The holder renews and completes.
        Assert.True(await store.RenewLeaseAsync(leasedByB.Id, "node-b", later + lease * 2));
        await store.RecordAttemptAsync(delivered with { LeaseOwner = "node-b" });
        Assert.Equal(0, await store.CountQueueAsync());
        Assert.False(await store.RenewLeaseAsync(leasedByB.Id, "node-b", later + lease * 3));
    }

    [Theory]
    [MemberData(nameof(TestStores.Backends), MemberType = typeof(TestStores))]
    public async Task Only_the_holder_can_give_an_entry_back_and_no_attempt_is_counted(StoreBackend backend)
    {
        await using var harness = await QueueHarness.CreateAsync(backend);
        var store = harness.Store;
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        var now = harness.Clock.GetUtcNow();
        var leased = Assert.Single(await store.LeaseDueAsync(now, 10, TimeSpan.FromMinutes(5), "node-a"));

        Assert.False(await store.ReleaseLeaseAsync(leased.Id, "node-b", now + TimeSpan.FromSeconds(5)));
        Assert.Equal("node-a", (await store.FindQueueEntryAsync(leased.Id))!.LeaseOwner);

        Assert.True(await store.ReleaseLeaseAsync(leased.Id, "node-a", now + TimeSpan.FromSeconds(5)));
        var entry = (await store.FindQueueEntryAsync(leased.Id))!;
        Assert.Null(entry.LeaseOwner);
        Assert.Null(entry.LeaseUntil);
        Assert.Equal(0, entry.Attempts);
        Assert.Equal(now + TimeSpan.FromSeconds(5), entry.NextAttemptAt, TimeSpan.FromMilliseconds(1));
        Assert.Empty(await store.LeaseDueAsync(now + TimeSpan.FromSeconds(4), 10, TimeSpan.FromMinutes(5), "node-b"));
        Assert.Single(await store.LeaseDueAsync(now + TimeSpan.FromSeconds(5), 10, TimeSpan.FromMinutes(5), "node-b"));
    }

    private static DeliveryQueueOptions NodeOptions(string workerId, TimeSpan lease)
    {
        var options = QueueHarness.NewOptions();
        options.WorkerId = workerId;
        options.LeaseDuration = lease;
        options.PollInterval = TimeSpan.FromMilliseconds(100);
        return options;
    }
}
