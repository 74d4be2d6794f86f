using MimeKit;
using OpenMss.Queue.Notifications;
using OpenMss.Queue.Submission;
using OpenMss.Queue.Tests.Support;
using OpenMss.Storage;

namespace OpenMss.Queue.Tests;

public sealed class MessageSubmitterTests
{
    [Fact]
    public async Task The_delivery_events_of_local_copies_say_who_submitted_the_message()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var submitter = new MessageSubmitter(harness.Store, harness.Store, harness.Store, [QueueHarness.LocalDomain]);
        var events = new System.Collections.Concurrent.ConcurrentQueue<DeliveryEvent>();
        using var subscription = harness.Store.Deliveries.Subscribe(events.Enqueue);

        await submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Colleague)], QueueHarness.Message(to: QueueHarness.Colleague),
            senderKind: DeliverySenderKind.Submission);
        await submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Colleague)], QueueHarness.Message(to: QueueHarness.Colleague));

        Assert.Equal([DeliverySenderKind.Submission, DeliverySenderKind.Local], events.Select(e => e.SenderKind));
        Assert.All(events, e =>
        {
            Assert.Equal(QueueHarness.Colleague, e.MailboxAddress);
            Assert.Equal(QueueHarness.Sender, e.SenderAddress);
        });
        Assert.Equal([1L, 2L], events.Select(e => e.Uid));
    }

    [Fact]
    public async Task Local_recipients_get_the_message_in_their_inbox_and_remote_ones_are_queued_per_domain()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var wakes = 0;
        var submitter = new MessageSubmitter(harness.Store, harness.Store, harness.Store, [QueueHarness.LocalDomain], () => wakes++);
        var original = QueueHarness.Message(to: QueueHarness.Colleague);

        var result = await submitter.SubmitAsync(
            QueueHarness.Sender,
            [
                new OutboundRecipient(QueueHarness.Colleague),
                new OutboundRecipient("fantome@pharmacien.mssante.fr"),
                new OutboundRecipient(QueueHarness.Doctor),
                new OutboundRecipient("dr.petit@MEDECIN.mssante.fr"),
                new OutboundRecipient("accueil@radiologie.mssante.fr"),
                new OutboundRecipient("pas-une-adresse"),
            ],
            original,
            envelopeId: "ENV-1");

        Assert.Equal(
            [
                RecipientDisposition.DeliveredLocally,
                RecipientDisposition.UnknownMailbox,
                RecipientDisposition.Queued,
                RecipientDisposition.Queued,
                RecipientDisposition.Queued,
                RecipientDisposition.InvalidAddress,
            ],
            result.Recipients.Select(r => r.Disposition));
        Assert.False(result.AllAccepted);
        Assert.Equal(["fantome@pharmacien.mssante.fr", "pas-une-adresse"], result.Refused.Select(r => r.Address));
        Assert.Contains("fantome@pharmacien.mssante.fr: refused, no such mailbox on this operator", result.Describe());

        Assert.Equal(original, await harness.InboxRawAsync(QueueHarness.Colleague));
        Assert.Empty(await harness.InboxAsync(QueueHarness.Sender));

        var queue = await harness.Store.ListQueueAsync();
        Assert.Equal(2, result.QueueEntryIds.Count);
        Assert.Equal(["medecin.mssante.fr", "radiologie.mssante.fr"], queue.Select(e => e.Domain).Order());
        var medecin = queue.Single(e => e.Domain == "medecin.mssante.fr");
        Assert.Equal(2, medecin.Recipients.Count);
        Assert.Equal(QueueHarness.Sender, medecin.MailFrom);
        Assert.Equal("ENV-1", medecin.EnvelopeId);
        Assert.Equal(original, await harness.Store.ReadQueuedMessageAsync(medecin.Id));
        Assert.Equal(1, wakes);
    }

    [Fact]
    public async Task Only_local_recipients_do_not_wake_the_worker()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var wakes = 0;
        var submitter = new MessageSubmitter(harness.Store, harness.Store, harness.Store, [QueueHarness.LocalDomain], () => wakes++);

        var result = await submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Colleague)], QueueHarness.Message(to: QueueHarness.Colleague));

        Assert.True(result.AllAccepted);
        Assert.Empty(result.QueueEntryIds);
        Assert.Equal(0, wakes);
        Assert.Equal(0, await harness.Store.CountQueueAsync());
    }

    [Fact]
    public async Task A_local_delivery_with_NOTIFY_SUCCESS_reports_delivered_to_the_sender()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var submitter = new MessageSubmitter(harness.Store, harness.Store, harness.Store, [QueueHarness.LocalDomain], hostName: "relay.pharmacien.mssante.fr");

        await submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Colleague, DsnNotify.Success)], QueueHarness.Message(to: QueueHarness.Colleague), envelopeId: "ENV-9");

        var notification = Assert.Single(await harness.InboxAsync(QueueHarness.Sender));
        Assert.Equal(DeliveryStatusNotification.SuccessSubject, notification.Subject);
        var groups = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notification.Body)[1]).StatusGroups;
        Assert.Equal("ENV-9", groups[0]["Original-Envelope-Id"]);
        Assert.Equal("delivered", groups[1]["Action"]);
        Assert.Equal("2.0.0", groups[1]["Status"]);
    }

    [Fact]
    public async Task A_notification_for_a_remote_sender_is_queued_with_the_null_sender()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var submitter = new MessageSubmitter(harness.Store, harness.Store, harness.Store, [QueueHarness.LocalDomain]);
        var report = new DeliveryReport(
            QueueHarness.Doctor,
            [new DsnRecipientReport(QueueHarness.Colleague, DsnAction.Delivered, "2.0.0")],
            QueueHarness.Message(from: QueueHarness.Doctor, to: QueueHarness.Colleague),
            ReturnFullMessage: false,
            harness.Clock.GetUtcNow());

        var result = await submitter.SendNotificationAsync(report);

        Assert.NotNull(result);
        var entry = Assert.Single(await harness.Store.ListQueueAsync());
        Assert.Equal("", entry.MailFrom);
        Assert.Equal(QueueHarness.Doctor, Assert.Single(entry.Recipients).Address);
        Assert.Equal(DsnNotify.Never, entry.Recipients[0].Notify);
    }
}
