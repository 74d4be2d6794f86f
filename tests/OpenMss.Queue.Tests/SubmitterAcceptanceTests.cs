using MimeKit;
using OpenMss.Queue.Submission;
using OpenMss.Queue.Tests.Support;
using OpenMss.Smtp.Acceptance;
using OpenMss.Storage;
using SmtpReply = OpenMss.Smtp.Protocol.SmtpReply;

namespace OpenMss.Queue.Tests;

/// <summary>
/// The local submission on the acceptance seam: a message stage's answer is honoured per
/// recipient (as LMTP does), the others get the message.
/// </summary>
public sealed class SubmitterAcceptanceTests
{
    private static readonly SmtpReply NotAPharmacy = new(550, "5.7.1", "Patients may write to pharmacies only", "not_a_pharmacy");

    [Fact]
    public async Task A_message_stage_refusing_one_recipient_leaves_the_others_delivered_or_queued()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var acceptance = new AcceptancePipeline(
            [new LocalRecipientPolicy(harness.Store, new LocalDomainSet([QueueHarness.LocalDomain]), refusesOtherDomains: false)],
            [new OnlyLocalWhenTaggedStage()]);
        var submitter = new MessageSubmitter(harness.Store, harness.Store, harness.Store, [QueueHarness.LocalDomain], acceptance: acceptance);
        byte[] message = [.. "X-Patient: yes\r\n"u8.ToArray(), .. QueueHarness.Message(to: QueueHarness.Colleague)];

        var result = await submitter.SubmitAsync(
            QueueHarness.Sender,
            [new OutboundRecipient(QueueHarness.Colleague), new OutboundRecipient(QueueHarness.Doctor)],
            message);

        Assert.Equal([RecipientDisposition.DeliveredLocally, RecipientDisposition.Refused], result.Recipients.Select(r => r.Disposition));
        Assert.Same(NotAPharmacy, result.Recipients[1].Reply);
        Assert.Contains($"{QueueHarness.Doctor}: refused, 550 5.7.1 Patients may write to pharmacies only", result.Describe());
        Assert.Equal(message, await harness.InboxRawAsync(QueueHarness.Colleague));
        Assert.Empty(await harness.Store.ListQueueAsync());

        // Without the header the stage has no objection: the doctor's copy is queued.
        var untagged = await submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        Assert.Equal(RecipientDisposition.Queued, Assert.Single(untagged.Recipients).Disposition);
        Assert.Single(await harness.Store.ListQueueAsync());
    }

    /// <summary>With an <c>X-Patient</c> header, only this operator's (pharmacy) recipients are taken.</summary>
    private sealed class OnlyLocalWhenTaggedStage : IMessagePolicy
    {
        public ValueTask<SmtpReply?> CheckMessageAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, HeaderList headers, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(headers.Contains("X-Patient") && !recipient.IsLocal ? NotAPharmacy : null);
    }
}
