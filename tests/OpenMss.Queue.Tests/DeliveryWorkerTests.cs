using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using OpenMss.Queue.Delivery;
using OpenMss.Queue.Notifications;
using OpenMss.Queue.Tests.Support;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.Queue.Tests;

/// <summary>The delivery worker against a scripted remote operator over real sockets and real mutual TLS.</summary>
public sealed class DeliveryWorkerTests
{
    private static readonly Lazy<X509Certificate2> ForeignMedecin = new(() =>
        TestPki.ForeignAuthority.IssueOperatorCertificate("Faux Médecins", [TestPki.MedecinDomain]).Certificate);

    [Fact]
    public async Task A_queued_message_reaches_the_remote_operator_byte_for_byte_with_our_certificate_and_the_DSN_parameters()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        var original = QueueHarness.Message();

        var submitted = await harness.Worker.Submitter.SubmitAsync(
            QueueHarness.Sender,
            [new OutboundRecipient(QueueHarness.Doctor, DsnNotify.Success | DsnNotify.Failure)],
            original,
            envelopeId: "ENV-42",
            returnFull: true);
        Assert.True(submitted.AllAccepted);
        Assert.Equal(1, await harness.Worker.RunOnceAsync());

        var received = Assert.Single(remote.Received);
        Assert.Equal(original, received.Data);
        Assert.Equal(TestPki.Pharmacien.Certificate.Thumbprint, received.ClientCertificate?.Thumbprint);
        Assert.Equal("EHLO relay.pharmacien.mssante.fr", received.Ehlo);
        Assert.StartsWith($"MAIL FROM:<{QueueHarness.Sender}>", received.MailFromLine, StringComparison.Ordinal);
        Assert.Contains(" ENVID=ENV-42", received.MailFromLine, StringComparison.Ordinal);
        Assert.Contains(" RET=FULL", received.MailFromLine, StringComparison.Ordinal);
        var rcpt = Assert.Single(received.AcceptedRcptLines);
        Assert.Equal($"RCPT TO:<{QueueHarness.Doctor}> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;{QueueHarness.Doctor}", rcpt);

        Assert.Equal(0, await harness.Store.CountQueueAsync());
        Assert.Equal(0, harness.Worker.QueueDepth);

        // The remote supports DSN: reporting success is its job now, not ours.
        Assert.Empty(await harness.InboxAsync(QueueHarness.Sender));
    }

    [Fact]
    public async Task The_submitters_ORCPT_reaches_the_next_hop_unchanged_with_the_message_byte_for_byte()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        remote.RcptReply = address => address == QueueHarness.Unknown ? "550 5.1.1 Mailbox unknown" : "250 2.1.5 OK";
        var original = QueueHarness.Message();

        await harness.Worker.Submitter.SubmitAsync(
            QueueHarness.Sender,
            [
                new OutboundRecipient(QueueHarness.Doctor, DsnNotify.Success | DsnNotify.Failure, "rfc822;secretariat+cardio@medecin.mssante.fr"),
                new OutboundRecipient("dr.petit@medecin.mssante.fr", DsnNotify.Delay),
                new OutboundRecipient(QueueHarness.Unknown, DsnNotify.Failure, "rfc822;ancienne.adresse@medecin.mssante.fr"),
            ],
            original,
            envelopeId: "ENV 42",
            returnFull: false);
        Assert.Equal(1, await harness.Worker.RunOnceAsync());

        var received = Assert.Single(remote.Received);
        Assert.Equal(original, received.Data);
        Assert.Equal($"MAIL FROM:<{QueueHarness.Sender}> SIZE={original.Length} BODY=8BITMIME RET=HDRS ENVID=ENV+2042", received.MailFromLine);
        Assert.Equal(
            [
                $"RCPT TO:<{QueueHarness.Doctor}> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;secretariat+2Bcardio@medecin.mssante.fr",
                "RCPT TO:<dr.petit@medecin.mssante.fr> NOTIFY=DELAY ORCPT=rfc822;dr.petit@medecin.mssante.fr",
            ],
            received.AcceptedRcptLines);
        Assert.Contains($"RCPT TO:<{QueueHarness.Unknown}> NOTIFY=FAILURE ORCPT=rfc822;ancienne.adresse@medecin.mssante.fr", remote.Commands);

        // The refusal is reported with the original recipient the submitter gave.
        Assert.Equal(0, await harness.Store.CountQueueAsync());
        var notification = Assert.Single(await harness.InboxAsync(QueueHarness.Sender));
        var failed = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notification.Body)[1]).StatusGroups[1];
        Assert.Equal("rfc822; ancienne.adresse@medecin.mssante.fr", failed["Original-Recipient"]);
        Assert.Equal("5.1.1", failed["Status"]);
    }

    [Fact]
    public async Task A_550_to_DATA_after_an_ORCPT_transaction_fails_the_accepted_recipients()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        remote.DataReply = "554 5.6.0 Content refused";

        await harness.Worker.Submitter.SubmitAsync(
            QueueHarness.Sender,
            [new OutboundRecipient(QueueHarness.Doctor, DsnNotify.Failure, "rfc822;accueil@medecin.mssante.fr")],
            QueueHarness.Message());
        Assert.Equal(1, await harness.Worker.RunOnceAsync());

        Assert.Empty(remote.Received);
        Assert.Equal(0, await harness.Store.CountQueueAsync());
        var notification = Assert.Single(await harness.InboxAsync(QueueHarness.Sender));
        var failed = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notification.Body)[1]).StatusGroups[1];
        Assert.Equal("5.6.0", failed["Status"]);
        Assert.Equal("rfc822; accueil@medecin.mssante.fr", failed["Original-Recipient"]);
    }

    [Fact]
    public async Task A_recipient_refused_with_550_comes_back_to_the_local_sender_as_a_failure_report_naming_only_it()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        remote.RcptReply = address => address == QueueHarness.Unknown ? "550 5.1.1 Mailbox unknown" : "250 2.1.5 OK";
        var original = QueueHarness.Message(to: QueueHarness.Doctor);
        var originalId = MimeMessage.Load(new MemoryStream(original)).MessageId;

        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor), new OutboundRecipient(QueueHarness.Unknown)], original);
        await harness.Worker.RunOnceAsync();

        var received = Assert.Single(remote.Received);
        Assert.Single(received.AcceptedRcptLines);
        Assert.Equal(original, received.Data);
        Assert.Equal(0, await harness.Store.CountQueueAsync());

        var notification = Assert.Single(await harness.InboxAsync(QueueHarness.Sender));
        Assert.Equal(DeliveryStatusNotification.FailureSubject, notification.Subject);
        Assert.DoesNotContain("Ordonnance", notification.Subject, StringComparison.Ordinal);
        Assert.Equal("MAILER-DAEMON@pharmacien.mssante.fr", notification.From.Mailboxes.Single().Address);
        Assert.Equal(QueueHarness.Sender, notification.To.Mailboxes.Single().Address);
        Assert.Equal(originalId, notification.InReplyTo);
        Assert.Equal("auto-replied", notification.Headers["Auto-Submitted"]);

        var report = Assert.IsType<MultipartReport>(notification.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var readable = Assert.IsType<TextPart>(report[0]);
        var french = readable.Text.IndexOf("n'a pas pu être remis", StringComparison.Ordinal);
        var english = readable.Text.IndexOf("could not be delivered", StringComparison.Ordinal);
        Assert.True(french >= 0 && english > french, "French text first, then English");
        Assert.Contains(QueueHarness.Unknown, readable.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(QueueHarness.Doctor, readable.Text, StringComparison.Ordinal);

        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal("dns; relay.pharmacien.mssante.fr", status.StatusGroups[0]["Reporting-MTA"]);
        var recipient = Assert.Single(status.StatusGroups.Skip(1));
        Assert.Equal("rfc822; " + QueueHarness.Unknown, recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Equal("smtp; 550 5.1.1 Mailbox unknown", recipient["Diagnostic-Code"]);
        Assert.Equal("dns; 127.0.0.1", recipient["Remote-MTA"]);

        // RET was not FULL: the header only comes back.
        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
    }

    [Fact]
    public async Task When_the_remote_operator_is_down_the_entry_stays_queued_with_backoff_and_is_delivered_once_it_is_back()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var original = QueueHarness.Message();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], original);
        var start = harness.Clock.GetUtcNow();

        Assert.Equal(1, await harness.Worker.RunOnceAsync());
        var entry = Assert.Single(await harness.Store.ListQueueAsync());
        Assert.Equal(1, entry.Attempts);
        Assert.Equal(start + TimeSpan.FromMinutes(1), entry.NextAttemptAt, TimeSpan.FromSeconds(1));
        Assert.Contains("connection", entry.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, harness.Worker.QueueDepth);

        // Not due yet: nothing happens.
        harness.Clock.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(0, await harness.Worker.RunOnceAsync());

        harness.Clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, await harness.Worker.RunOnceAsync());
        entry = Assert.Single(await harness.Store.ListQueueAsync());
        Assert.Equal(2, entry.Attempts);
        Assert.Equal(harness.Clock.GetUtcNow() + TimeSpan.FromMinutes(2), entry.NextAttemptAt, TimeSpan.FromSeconds(1));

        await using var remote = harness.Remote().Start();
        harness.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await harness.Worker.RunOnceAsync());

        Assert.Equal(original, Assert.Single(remote.Received).Data);
        Assert.Equal(0, await harness.Store.CountQueueAsync());
        Assert.Empty(await harness.InboxAsync(QueueHarness.Sender));
    }

    [Fact]
    public async Task A_temporary_451_on_a_recipient_is_retried_and_delivered_later()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        var busy = true;
        remote.RcptReply = _ => busy ? "451 4.3.0 Mailbox temporarily locked" : "250 2.1.5 OK";
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());

        await harness.Worker.RunOnceAsync();
        var entry = Assert.Single(await harness.Store.ListQueueAsync());
        Assert.Equal(RecipientState.Pending, Assert.Single(entry.Recipients).State);
        Assert.Empty(remote.Received);

        busy = false;
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        await harness.Worker.RunOnceAsync();
        Assert.Single(remote.Received);
        Assert.Equal(0, await harness.Store.CountQueueAsync());
    }

    [Fact]
    public async Task After_four_hours_the_sender_gets_one_delay_report_and_only_one()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        var queuedAt = harness.Clock.GetUtcNow();

        await harness.RunAttemptsAsync(due => due > queuedAt + TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1));
        Assert.Empty(await harness.InboxAsync(QueueHarness.Sender));

        // The backoff schedule is cut short so that the warning goes out at four hours exactly.
        var entry = Assert.Single(await harness.Store.ListQueueAsync());
        Assert.Equal(queuedAt + TimeSpan.FromHours(4), entry.NextAttemptAt, TimeSpan.FromSeconds(1));

        await harness.RunAttemptsAsync(due => due > queuedAt + TimeSpan.FromHours(8));
        var notification = Assert.Single(await harness.InboxAsync(QueueHarness.Sender));
        Assert.Equal(DeliveryStatusNotification.DelaySubject, notification.Subject);
        var report = Assert.IsType<MultipartReport>(notification.Body);
        var readable = Assert.IsType<TextPart>(report[0]);
        Assert.Contains("n'a pas encore pu être remis", readable.Text, StringComparison.Ordinal);
        Assert.Contains("jusqu'au", readable.Text, StringComparison.Ordinal);
        var recipient = Assert.IsType<MessageDeliveryStatus>(report[1]).StatusGroups[1];
        Assert.Equal("delayed", recipient["Action"]);
        Assert.StartsWith("4.", recipient["Status"], StringComparison.Ordinal);
        Assert.NotNull(recipient["Will-Retry-Until"]);
        Assert.True(Assert.Single(await harness.Store.ListQueueAsync()).DelayNotified);
    }

    [Fact]
    public async Task After_five_days_pending_recipients_fail_with_4_4_7_and_the_entry_is_gone()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        await harness.Worker.RunOnceAsync();

        // The operator was down for the whole period (the worker too): the next attempt is the last.
        harness.Clock.Advance(TimeSpan.FromDays(5));
        Assert.Equal(1, await harness.Worker.RunOnceAsync());

        Assert.Equal(0, await harness.Store.CountQueueAsync());
        var notification = Assert.Single(await harness.InboxAsync(QueueHarness.Sender));
        Assert.Equal(DeliveryStatusNotification.FailureSubject, notification.Subject);
        var recipient = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notification.Body)[1]).StatusGroups[1];
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("4.4.7", recipient["Status"]);
    }

    [Fact]
    public async Task The_whole_schedule_ends_in_one_delay_report_then_one_failure_report_at_five_days()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        var queuedAt = harness.Clock.GetUtcNow();

        var attempts = await harness.RunAttemptsAsync(_ => false);

        Assert.Equal(0, await harness.Store.CountQueueAsync());
        Assert.Equal(queuedAt + TimeSpan.FromDays(5), harness.Clock.GetUtcNow(), TimeSpan.FromSeconds(1));
        Assert.InRange(attempts, 100, 140); // hourly once the backoff reached its cap
        var subjects = (await harness.InboxAsync(QueueHarness.Sender)).Select(m => m.Subject).ToList();
        Assert.Equal([DeliveryStatusNotification.DelaySubject, DeliveryStatusNotification.FailureSubject], subjects);
    }

    [Fact]
    public async Task A_550_to_MAIL_FROM_fails_every_recipient_at_once()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        remote.MailReply = _ => "550 5.7.1 Sender not allowed";
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor), new OutboundRecipient(QueueHarness.Unknown)], QueueHarness.Message());

        await harness.Worker.RunOnceAsync();

        Assert.Empty(remote.Received);
        Assert.Equal(0, await harness.Store.CountQueueAsync());
        var notification = Assert.Single(await harness.InboxAsync(QueueHarness.Sender));
        var groups = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notification.Body)[1]).StatusGroups;
        Assert.Equal(3, groups.Count);
        Assert.All(groups.Skip(1), g =>
        {
            Assert.Equal("failed", g["Action"]);
            Assert.Equal("5.7.1", g["Status"]);
        });
    }

    [Fact]
    public async Task A_message_with_the_null_sender_never_causes_a_notification()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        remote.RcptReply = _ => "550 5.1.1 Mailbox unknown";

        await harness.Worker.Submitter.SubmitAsync("", [new OutboundRecipient(QueueHarness.Unknown)], QueueHarness.Message(from: QueueHarness.Sender, to: QueueHarness.Unknown));
        await harness.Worker.RunOnceAsync();

        Assert.Contains(remote.Commands, c => c.StartsWith("MAIL FROM:<>", StringComparison.Ordinal));
        Assert.Equal(0, await harness.Store.CountQueueAsync());
        Assert.Empty(await harness.InboxAsync(QueueHarness.Sender));
    }

    [Fact]
    public async Task NOTIFY_NEVER_is_passed_on_and_honoured()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        remote.RcptReply = _ => "550 5.1.1 Mailbox unknown";

        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Unknown, DsnNotify.Never)], QueueHarness.Message(to: QueueHarness.Unknown));
        await harness.Worker.RunOnceAsync();

        Assert.Contains(remote.Commands, c => c.StartsWith($"RCPT TO:<{QueueHarness.Unknown}> NOTIFY=NEVER", StringComparison.Ordinal));
        Assert.Equal(0, await harness.Store.CountQueueAsync());
        Assert.Empty(await harness.InboxAsync(QueueHarness.Sender));
    }

    public static TheoryData<DsnNotify, string[]> NotifyChoices => new()
    {
        { DsnNotify.Default, [DeliveryStatusNotification.DelaySubject, DeliveryStatusNotification.FailureSubject] },
        { DsnNotify.Delay, [DeliveryStatusNotification.DelaySubject] },
        { DsnNotify.Failure, [DeliveryStatusNotification.FailureSubject] },
        { DsnNotify.Success, [] },
        { DsnNotify.Never, [] },
    };

    [Theory]
    [MemberData(nameof(NotifyChoices))]
    public async Task Delay_and_failure_reports_follow_the_recipients_NOTIFY(DsnNotify notify, string[] expected)
    {
        // The remote operator stays down for the five days.
        await using var harness = await QueueHarness.CreateAsync();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor, notify)], QueueHarness.Message());

        await harness.RunAttemptsAsync(_ => false);

        Assert.Equal(0, await harness.Store.CountQueueAsync());
        Assert.Equal(expected, (await harness.InboxAsync(QueueHarness.Sender)).Select(m => m.Subject));
    }

    [Fact]
    public async Task NOTIFY_SUCCESS_to_a_remote_without_DSN_gets_a_relayed_report()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        remote.AdvertiseDsn = false;

        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor, DsnNotify.Success)], QueueHarness.Message());
        await harness.Worker.RunOnceAsync();

        Assert.Single(remote.Received);
        var notification = Assert.Single(await harness.InboxAsync(QueueHarness.Sender));
        Assert.Equal(DeliveryStatusNotification.SuccessSubject, notification.Subject);
        var recipient = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notification.Body)[1]).StatusGroups[1];
        Assert.Equal("relayed", recipient["Action"]);
        Assert.Equal("2.0.0", recipient["Status"]);
    }

    public static TheoryData<string> UntrustedServers => new() { "foreign authority", "wrong domain" };

    [Theory]
    [MemberData(nameof(UntrustedServers))]
    public async Task A_server_certificate_the_trust_space_does_not_vouch_for_gets_nothing(string kind)
    {
        await using var harness = await QueueHarness.CreateAsync();
        var certificate = kind == "foreign authority" ? ForeignMedecin.Value : TestPki.Pirate.Certificate;
        await using var remote = harness.Remote(certificate).Start();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());

        await harness.Worker.RunOnceAsync();

        Assert.Empty(remote.Received);
        Assert.DoesNotContain(remote.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        var entry = Assert.Single(await harness.Store.ListQueueAsync());
        Assert.Equal(RecipientState.Pending, Assert.Single(entry.Recipients).State);
        Assert.Contains("TLS", entry.LastError, StringComparison.Ordinal);
        Assert.Contains(
            kind == "foreign authority" ? "not issued by the trust space authority" : "does not name medecin.mssante.fr",
            entry.LastError,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_that_does_not_offer_STARTTLS_gets_nothing()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        remote.OfferStartTls = false;
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());

        await harness.Worker.RunOnceAsync();

        Assert.DoesNotContain(remote.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.Contains("STARTTLS", Assert.Single(await harness.Store.ListQueueAsync()).LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relay_that_accepts_the_connection_but_never_answers_times_out_and_the_entry_waits()
    {
        await using var harness = await QueueHarness.CreateAsync();
        harness.Options.ConnectTimeout = TimeSpan.FromSeconds(1);
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, harness.RemotePort);
        silent.Start();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());

        var attempt = harness.Worker.RunOnceAsync();
        using var accepted = await silent.AcceptTcpClientAsync();
        harness.Clock.Advance(harness.Options.ConnectTimeout);
        Assert.Equal(1, await attempt.WaitAsync(Eventually.DefaultDeadline));

        var entry = Assert.Single(await harness.Store.ListQueueAsync());
        Assert.Equal(1, entry.Attempts);
        Assert.Contains("timed out", entry.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_first_relay_of_a_domain_is_down_the_next_one_is_used()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        harness.Routes.Set(QueueHarness.RemoteDomain, [new Trust.RelayEndpoint("127.0.0.1", FakeRemoteOperator.ReservePort()), new Trust.RelayEndpoint("127.0.0.1", remote.Port)]);
        var original = QueueHarness.Message();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], original);

        await harness.Worker.RunOnceAsync();

        Assert.Equal(original, Assert.Single(remote.Received).Data);
        Assert.Equal(0, await harness.Store.CountQueueAsync());
    }

    [Fact]
    public async Task A_domain_without_any_relay_fails_at_once_with_5_1_2()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient("accueil@inconnu.mssante.fr")], QueueHarness.Message(to: "accueil@inconnu.mssante.fr"));

        await harness.Worker.RunOnceAsync();

        Assert.Equal(0, await harness.Store.CountQueueAsync());
        var notification = Assert.Single(await harness.InboxAsync(QueueHarness.Sender));
        var recipient = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notification.Body)[1]).StatusGroups[1];
        Assert.Equal("5.1.2", recipient["Status"]);
    }

    [Fact]
    public async Task The_queue_survives_closing_and_reopening_the_store()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var original = QueueHarness.Message();
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], original);
        await harness.Worker.RunOnceAsync();
        var before = harness.Worker.WorkerId;

        await harness.RestartAsync();
        Assert.NotEqual(before, harness.Worker.WorkerId);
        Assert.Equal(1, await harness.Store.CountQueueAsync());

        await using var remote = harness.Remote().Start();
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await harness.Worker.RunOnceAsync());

        Assert.Equal(original, Assert.Single(remote.Received).Data);
        Assert.Equal(0, await harness.Store.CountQueueAsync());
    }

    [Fact]
    public async Task The_running_worker_is_woken_by_a_submission_and_stops_when_cancelled()
    {
        await using var harness = await QueueHarness.CreateAsync();
        await using var remote = harness.Remote().Start();
        using var stop = new CancellationTokenSource();
        var running = harness.Worker.RunAsync(stop.Token);

        // The fake clock never moves: only the wake-up can start this delivery.
        await harness.Worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        await Eventually.WaitUntilAsync(async () => remote.Received.Count > 0 && await harness.Store.CountQueueAsync() == 0, "the woken worker's delivery");

        Assert.Single(remote.Received);
        Assert.Equal(0, await harness.Store.CountQueueAsync());
        await stop.CancelAsync();
        await running.WaitAsync(Eventually.DefaultDeadline);
        Assert.True(running.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Attempts_and_notifications_are_counted_and_the_depth_is_published()
    {
        await using var harness = await QueueHarness.CreateAsync();
        using var meters = new TestMeterFactory();
        using var worker = harness.NewWorker(meters);
        var counts = new Dictionary<string, long>();
        long depth = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meters.Created.Contains(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == DeliveryMetrics.DepthInstrument)
            {
                depth = value;
                return;
            }

            var tag = tags.ToArray().Single();
            lock (counts)
            {
                var key = $"{instrument.Name}/{tag.Value}";
                counts[key] = counts.GetValueOrDefault(key) + value;
            }
        });
        listener.Start();

        await worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        await worker.RunOnceAsync();
        listener.RecordObservableInstruments();
        Assert.Equal(1, depth);

        await using (var remote = harness.Remote().Start())
        {
            remote.RcptReply = _ => "550 5.1.1 Mailbox unknown";
            harness.Clock.Advance(TimeSpan.FromMinutes(1));
            await worker.RunOnceAsync();
        }

        listener.RecordObservableInstruments();
        Assert.Equal(0, depth);
        Assert.Equal(1, counts.GetValueOrDefault("openmss.queue.delivery.attempts/deferred"));
        Assert.Equal(1, counts.GetValueOrDefault("openmss.queue.delivery.attempts/failed"));
        Assert.Equal(1, counts.GetValueOrDefault("openmss.queue.notifications/failure"));
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
