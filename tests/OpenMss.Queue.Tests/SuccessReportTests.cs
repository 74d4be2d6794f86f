using System.Net;
using System.Text;
using MimeKit;
using OpenMss.Core;
using OpenMss.Queue.Notifications;
using OpenMss.Queue.Submission;
using OpenMss.Queue.Tests.Support;
using OpenMss.Smtp.Inbound;
using OpenMss.Storage;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.Queue.Tests;

/// <summary>
/// RFC 3461 end to end between two operators: pharmacien's queue delivers to medecin's real relay
/// (mutual TLS, real store); medecin, the final delivery MTA, stores the message and sends the
/// "delivered" report back through its own queue with the null sender, carrying ENVID and ORCPT.
/// </summary>
public sealed class SuccessReportTests
{
    private const string OriginalRecipient = "secretariat.cardio@medecin.mssante.fr";

    [Theory]
    [MemberData(nameof(TestStores.Backends), MemberType = typeof(TestStores))]
    public async Task The_final_operator_reports_delivered_to_the_sender_with_envid_and_the_original_recipient(StoreBackend backend)
    {
        await using var pharmacien = await QueueHarness.CreateAsync(backend);
        await using var medecin = await MedecinOperator.StartAsync(backend, pharmacien.RemotePort);
        var original = QueueHarness.Message();

        await pharmacien.Worker.Submitter.SubmitAsync(
            QueueHarness.Sender,
            [new OutboundRecipient(QueueHarness.Doctor, DsnNotify.Success | DsnNotify.Failure, "rfc822;" + OriginalRecipient)],
            original,
            envelopeId: "ENV-2026-7",
            returnFull: true);
        Assert.Equal(1, await pharmacien.Worker.RunOnceAsync());
        Assert.Equal(0, await pharmacien.Store.CountQueueAsync());

        // Stored for the doctor, unchanged after the trace header.
        var stored = await medecin.InboxRawAsync(QueueHarness.Doctor);
        Assert.True(stored.AsSpan().EndsWith(original));

        // The report waits in medecin's queue for pharmacien, from the null sender.
        var entry = Assert.Single(await medecin.Store.ListQueueAsync());
        Assert.Equal(TestPki.PharmacienDomain, entry.Domain);
        Assert.Equal("", entry.MailFrom);
        Assert.Equal(QueueHarness.Sender, Assert.Single(entry.Recipients).Address);
        Assert.Equal(DsnNotify.Never, entry.Recipients[0].Notify);

        var raw = (await medecin.Store.ReadQueuedMessageAsync(entry.Id))!;
        var notification = MimeMessage.Load(new MemoryStream(raw));
        Assert.Equal(DeliveryStatusNotification.SuccessSubject, notification.Subject);
        Assert.Equal("MAILER-DAEMON@" + TestPki.MedecinDomain, notification.From.Mailboxes.Single().Address);
        var report = Assert.IsType<MultipartReport>(notification.Body);
        Assert.Equal("delivery-status", report.ReportType);

        var readable = Assert.IsType<TextPart>(report[0]).Text;
        var french = readable.IndexOf("a bien été remis", StringComparison.Ordinal);
        var english = readable.IndexOf("was delivered", StringComparison.Ordinal);
        Assert.InRange(french, 0, english - 1);

        var groups = Assert.IsType<MessageDeliveryStatus>(report[1]).StatusGroups;
        Assert.Equal("ENV-2026-7", groups[0]["Original-Envelope-Id"]);
        Assert.Equal("dns; mx.medecin.mssante.fr", groups[0]["Reporting-MTA"]);
        Assert.Equal(2, groups.Count);
        Assert.Equal("delivered", groups[1]["Action"]);
        Assert.Equal("2.0.0", groups[1]["Status"]);
        Assert.Equal("rfc822; " + QueueHarness.Doctor, groups[1]["Final-Recipient"]);
        Assert.Equal("rfc822; " + OriginalRecipient, groups[1]["Original-Recipient"]);

        // RET=FULL notwithstanding, a success report returns the header only, never the content.
        Assert.Equal(3, report.Count);
        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
        var text = Encoding.UTF8.GetString(raw);
        Assert.DoesNotContain("médicament", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bonjour Docteur", text, StringComparison.Ordinal);
    }

    public static TheoryData<string, DsnNotify> NoReport => new()
    {
        { QueueHarness.Sender, DsnNotify.Default },
        { QueueHarness.Sender, DsnNotify.Failure | DsnNotify.Delay },
        { QueueHarness.Sender, DsnNotify.Never },
        { "", DsnNotify.Success },
    };

    [Theory]
    [MemberData(nameof(NoReport))]
    public async Task Without_NOTIFY_SUCCESS_or_with_the_null_sender_no_report_is_sent(string mailFrom, DsnNotify notify)
    {
        await using var pharmacien = await QueueHarness.CreateAsync();
        await using var medecin = await MedecinOperator.StartAsync(StoreBackend.Sqlite, pharmacien.RemotePort);

        await pharmacien.Worker.Submitter.SubmitAsync(mailFrom, [new OutboundRecipient(QueueHarness.Doctor, notify)], QueueHarness.Message());
        Assert.Equal(1, await pharmacien.Worker.RunOnceAsync());

        Assert.NotEmpty(await medecin.InboxRawAsync(QueueHarness.Doctor));
        Assert.Equal(0, await medecin.Store.CountQueueAsync());
        Assert.Empty(await pharmacien.InboxAsync(QueueHarness.Sender));
    }

    /// <summary>The operator medecin.mssante.fr: a store, its submitter (for reports) and its real relay on the port pharmacien routes to.</summary>
    private sealed class MedecinOperator : IAsyncDisposable
    {
        private readonly TestMailStore store;
        private readonly SmtpServer server;

        private MedecinOperator(TestMailStore store, SmtpServer server)
        {
            this.store = store;
            this.server = server;
        }

        public IMailStore Store => store;

        public static async Task<MedecinOperator> StartAsync(StoreBackend backend, int port)
        {
            var store = await TestStores.CreateAsync(backend);
            try
            {
                await store.CreateMailboxAsync(new NewMailbox(QueueHarness.Doctor, MailboxKind.Personal, "Dr Bernard"));
                var submitter = new MessageSubmitter(store, store, store, [TestPki.MedecinDomain], hostName: "mx.medecin.mssante.fr");
                var policy = new RelayPolicy(store, store, TestPki.CreateValidator(), new Domains(TestPki.PharmacienDomain, TestPki.MedecinDomain), [TestPki.MedecinDomain])
                {
                    DeliveryNotifier = submitter.NotifyDeliveredAsync,
                };
                var server = new SmtpServer(
                    new SmtpServerOptions
                    {
                        EndPoint = new IPEndPoint(IPAddress.Loopback, port),
                        HostName = "mx.medecin.mssante.fr",
                        ServerCertificate = TestPki.Medecin.Certificate,
                    },
                    policy);
                await server.StartAsync();
                return new MedecinOperator(store, server);
            }
            catch
            {
                await store.DisposeAsync();
                throw;
            }
        }

        public async Task<byte[]> InboxRawAsync(string address)
        {
            var mailbox = await store.FindMailboxAsync(address) ?? throw new InvalidOperationException("no mailbox " + address);
            var inbox = await store.FindFolderAsync(mailbox.Id, "INBOX") ?? throw new InvalidOperationException("no INBOX");
            var summary = Assert.Single(await store.ListMessagesAsync(inbox.Id));
            return (await store.ReadMessageAsync(inbox.Id, summary.Uid))!;
        }

        public async ValueTask DisposeAsync()
        {
            await server.DisposeAsync();
            await store.DisposeAsync();
        }
    }

    private sealed class Domains(params string[] domains) : IWhitelist
    {
        public bool Contains(string domain) => domains.Contains(domain, StringComparer.OrdinalIgnoreCase);
    }
}
