using OpenMss.Queue.Delivery;
using OpenMss.Queue.Tests.Support;
using OpenMss.Storage;

namespace OpenMss.Queue.Tests;

/// <summary>The delivery worker over a scripted <see cref="IDeliveryTransport"/>: the queue's bookkeeping without a socket.</summary>
public sealed class DeliveryTransportSeamTests
{
    private const string Colleague = "dr.leroy@medecin.mssante.fr";

    [Fact]
    public async Task A_recipient_deferred_once_is_retried_alone_after_the_backoff_and_delivered_with_the_same_bytes()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var transport = new ScriptedTransport(recipient => recipient.Address == Colleague ? RecipientResult.Deferred : RecipientResult.Delivered);
        using var worker = new DeliveryWorker(harness.Store, transport, harness.Options, loggerFactory: null, harness.Clock);
        var original = QueueHarness.Message();
        await worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor), new OutboundRecipient(Colleague)], original);
        var start = harness.Clock.GetUtcNow();

        Assert.Equal(1, await worker.RunOnceAsync());
        var entry = Assert.Single(await harness.Store.ListQueueAsync());
        Assert.Equal(RecipientState.Pending, Assert.Single(entry.Recipients, r => r.Address == Colleague).State);
        Assert.Equal(RecipientState.Delivered, Assert.Single(entry.Recipients, r => r.Address == QueueHarness.Doctor).State);
        Assert.Equal(start + TimeSpan.FromMinutes(1), entry.NextAttemptAt, TimeSpan.FromSeconds(10));

        transport.Decide = _ => RecipientResult.Delivered;
        harness.Clock.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(0, await worker.RunOnceAsync());
        harness.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await worker.RunOnceAsync());

        Assert.Equal(2, transport.Attempts.Count);
        Assert.Equal(new[] { QueueHarness.Doctor, Colleague }.Order(StringComparer.Ordinal), transport.Attempts[0].Recipients.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { Colleague }, transport.Attempts[1].Recipients);
        Assert.All(transport.Attempts, attempt => Assert.Equal(original, attempt.Raw));
        Assert.Equal(0, await harness.Store.CountQueueAsync());
        Assert.Empty(await harness.InboxAsync(QueueHarness.Sender));
    }

    /// <summary>Answers each recipient as <see cref="Decide"/> says, as a remote operator with DSN support would, and records what it was given.</summary>
    private sealed class ScriptedTransport(Func<QueueRecipient, RecipientResult> decide) : IDeliveryTransport
    {
        public Func<QueueRecipient, RecipientResult> Decide { get; set; } = decide;

        public List<(IReadOnlyList<string> Recipients, byte[] Raw)> Attempts { get; } = [];

        public Task<DeliveryAttemptResult> DeliverAsync(QueueEntry entry, IReadOnlyList<QueueRecipient> recipients, byte[] raw, CancellationToken cancellationToken = default)
        {
            Attempts.Add((recipients.Select(r => r.Address).ToList(), raw));
            var results = recipients.Select(r => Decide(r) switch
            {
                RecipientResult.Delivered => new RecipientAttemptResult(r, RecipientResult.Delivered, "2.1.5", "smtp; 250 2.1.5 OK", RemoteReplied: true),
                var other => new RecipientAttemptResult(r, other, "4.2.1", "smtp; 451 4.2.1 Mailbox busy", RemoteReplied: true),
            }).ToList();
            return Task.FromResult(new DeliveryAttemptResult(results, "mx.medecin.mssante.fr", Error: null, RemoteSupportsDsn: true));
        }
    }
}
