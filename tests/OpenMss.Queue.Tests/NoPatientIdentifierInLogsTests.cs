using MimeKit;
using OpenMss.Core.Addressing;
using OpenMss.Core.Identifiers;
using OpenMss.Queue.Delivery;
using OpenMss.Queue.Tests.Support;
using OpenMss.Storage;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.Queue.Tests;

/// <summary>
/// A patient's address is their INS: a professional operator's queue, delivery and notification
/// logs must never write it, whatever the patient space answers (accepted, refused, deferred until
/// the queue gives up), while the sender's own delivery failure notice still names the patient.
/// </summary>
public sealed class NoPatientIdentifierInLogsTests
{
    private static readonly Lazy<System.Security.Cryptography.X509Certificates.X509Certificate2> PatientSpaceCertificate = new(() =>
        TestPki.Authority.IssueOperatorCertificate("Mon espace santé", [MssDomains.Patient]).Certificate);

    [Fact]
    public async Task Deliveries_to_patients_write_no_INS_in_any_log_line()
    {
        var activated = PatientAddress.For(InsMatricule.FromNir("1850575123456")).ToString();
        var opposed = PatientAddress.For(InsMatricule.FromNir("285052A123456")).ToString();
        var unreachable = PatientAddress.For(InsMatricule.FromNir("2760392123045")).ToString();
        var patients = new[] { activated, opposed, unreachable };

        await using var harness = await QueueHarness.CreateAsync();
        var port = FakeRemoteOperator.ReservePort();
        harness.Routes.Set(MssDomains.Patient, new RelayEndpoint("127.0.0.1", port));
        await using var patientSpace = new FakeRemoteOperator(PatientSpaceCertificate.Value, port).Start();

        // Like many servers, the patient space echoes the address in its replies.
        patientSpace.RcptReply = address =>
            address == opposed ? $"550 5.1.1 <{address}>: Mailbox unknown"
            : address == unreachable ? $"451 4.3.0 <{address}>: try again later"
            : $"250 2.1.5 <{address}> OK";

        var logs = new ListLoggerFactory();
        using var worker = new DeliveryWorker(harness.Store, harness.Routes, TestPki.CreateValidator(), harness.Options, logs, harness.Clock);
        var submitted = await worker.Submitter.SubmitAsync(
            QueueHarness.Sender,
            patients.Select(p => new OutboundRecipient(p, DsnNotify.Failure | DsnNotify.Delay)).ToList(),
            QueueHarness.Message(to: activated));
        Assert.True(submitted.AllAccepted);

        Assert.Equal(1, await worker.RunOnceAsync());
        harness.Clock.Advance(harness.Options.GiveUpAfter + TimeSpan.FromMinutes(1));
        Assert.Equal(1, await worker.RunOnceAsync());
        Assert.Equal(0, await harness.Store.CountQueueAsync());

        // What happened is visible where it belongs: the patient space got the message for the
        // activated patient, and the sender got failure notices naming the other two.
        var received = Assert.Single(patientSpace.Received);
        Assert.Contains(received.AcceptedRcptLines, l => l.Contains(activated, StringComparison.OrdinalIgnoreCase));
        var notices = await harness.InboxAsync(QueueHarness.Sender);
        var readable = string.Join("\n", notices.Select(n => Assert.IsType<TextPart>(Assert.IsType<MultipartReport>(n.Body)[0]).Text));
        Assert.Contains(opposed, readable, StringComparison.Ordinal);
        Assert.Contains("La boîte aux lettres du destinataire n'existe pas ou a été fermée.", readable, StringComparison.Ordinal);
        Assert.Contains(unreachable, readable, StringComparison.Ordinal);

        // The logs did talk about these deliveries, so the absence below means something.
        var all = logs.AllText();
        Assert.Contains(MssDomains.Patient, all, StringComparison.Ordinal);
        Assert.Contains("notification sent", all, StringComparison.Ordinal);
        foreach (var address in patients)
        {
            var ins = address[..InsMatricule.Length];
            Assert.DoesNotContain(address, all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(ins, all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(ins[..InsMatricule.NirLength], all, StringComparison.OrdinalIgnoreCase);
        }
    }
}
