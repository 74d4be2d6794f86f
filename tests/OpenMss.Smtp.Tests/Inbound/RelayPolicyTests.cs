using System.Text;
using OpenMss.Core.Addressing;
using OpenMss.Core.Identifiers;
using OpenMss.Core.Privacy;
using OpenMss.Smtp.Inbound;
using OpenMss.Smtp.Tests.Support;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.Smtp.Tests.Inbound;

/// <summary>
/// The MSSanté relay rules (ANS, MSSanté référentiel #2, operator) end to end: real sockets, real TLS with the test PKI, a
/// real SQLite store. The server is the operator medecin.mssante.fr; the peer is pharmacien.
/// </summary>
public class RelayPolicyTests
{
    private const string Sender = "dr.martin@" + TestPki.PharmacienDomain;

    private static string Message(string subject = "Compte rendu") =>
        $"From: <{Sender}>\r\nTo: <{RelayHarness.Alice}>\r\nSubject: {subject}\r\nMessage-ID: <1@pharmacien.mssante.fr>\r\n\r\nBonjour,\r\n.ligne qui commence par un point\r\nparacétamol 1 g\r\n";

    [Fact]
    public async Task A_message_from_a_trusted_operator_is_stored_byte_for_byte_after_a_received_header()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<{Sender}> BODY=8BITMIME SIZE=300 RET=HDRS ENVID=QQ314159").Expect("250 2.1.0");
        client.Send($"RCPT TO:<{RelayHarness.Alice}> NOTIFY=FAILURE,DELAY ORCPT=rfc822;{RelayHarness.Alice}").Expect("250 2.1.5");
        client.Send($"RCPT TO:<{RelayHarness.Bob.ToUpperInvariant()}>").Expect("250 2.1.5");
        client.Send("DATA").Expect("354");
        var message = Message();
        var accepted = client.SendMessage(message).Expect("250 2.0.0");
        client.Send("QUIT").Expect("221");

        foreach (var mailbox in new[] { RelayHarness.Alice, RelayHarness.Bob })
        {
            var stored = Assert.Single(await relay.InboxAsync(mailbox));
            var text = Encoding.UTF8.GetString(stored);
            var original = Encoding.UTF8.GetBytes(message);
            Assert.True(stored.AsSpan().EndsWith(original), "the message must follow the trace header unchanged");
            var trace = text[..(stored.Length - original.Length)];
            Assert.StartsWith("Received: from client.pharmacien.mssante.fr ([127.0.0.1])\r\n\tby mx.medecin.mssante.fr (OpenMSS) with ESMTPS id ", trace, StringComparison.Ordinal);
            Assert.EndsWith(" +0000\r\n", trace, StringComparison.Ordinal);
            Assert.DoesNotContain("alice", trace, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("bob", trace, StringComparison.OrdinalIgnoreCase);
            var id = trace.Split(" id ")[1].Split(';')[0];
            Assert.Contains(id, accepted.First, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_relayed_message_raises_a_relay_delivery_event_for_each_recipient_before_250()
    {
        await using var relay = await RelayHarness.StartAsync();
        var events = new System.Collections.Concurrent.ConcurrentQueue<DeliveryEvent>();
        using var subscription = relay.Store.Deliveries.Subscribe(events.Enqueue);
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<{Sender}>").Expect("250 2.1.0");
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250 2.1.5");
        client.Send($"RCPT TO:<{RelayHarness.Bob}>").Expect("250 2.1.5");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message()).Expect("250 2.0.0");

        // Raised after the commit and before the reply: the sender has its 250, the events are there.
        Assert.Equal([RelayHarness.Alice, RelayHarness.Bob], events.Select(e => e.MailboxAddress).Order());
        Assert.All(events, e =>
        {
            Assert.Equal(DeliverySenderKind.Relay, e.SenderKind);
            Assert.Equal(Sender, e.SenderAddress);
            Assert.Equal("<1@pharmacien.mssante.fr>", e.MessageId);
        });
        client.Send("QUIT").Expect("221");
    }

    [Fact]
    public async Task Mail_before_starttls_gets_530_5_7_0()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.Connect();
        client.Ehlo();
        client.Send($"MAIL FROM:<{Sender}>").Expect("530 5.7.0 Must issue a STARTTLS command first");
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("503 5.5.1");
    }

    [Fact]
    public async Task Without_a_client_certificate_mail_gets_530_5_7_0()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.ConnectTls(null);
        var reply = client.Send($"MAIL FROM:<{Sender}>").Expect("530 5.7.0");
        Assert.Contains("client certificate", reply.First, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));
    }

    public static TheoryData<string, string> BadCertificates => new()
    {
        { nameof(TestPki.ForeignPharmacien), "not issued by the trust space authority" },
        { nameof(TestPki.ExpiredPharmacien), "expired" },
        { nameof(TestPki.RevokedPharmacien), "revoked" },
    };

    [Theory]
    [MemberData(nameof(BadCertificates))]
    public async Task Certificates_that_do_not_validate_get_550_5_7_1_with_the_reason(string certificate, string reason)
    {
        var credential = certificate switch
        {
            nameof(TestPki.ForeignPharmacien) => TestPki.ForeignPharmacien,
            nameof(TestPki.ExpiredPharmacien) => TestPki.ExpiredPharmacien,
            _ => TestPki.RevokedPharmacien,
        };
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.ConnectTls(credential);
        var reply = client.Send($"MAIL FROM:<{Sender}>").Expect("550 5.7.1 Client certificate refused");
        Assert.Contains(reason, reply.First, StringComparison.Ordinal);
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("503 5.5.1");
        client.Send("DATA").Expect("503 5.5.1");
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));
    }

    [Fact]
    public async Task A_certificate_for_a_domain_not_on_the_whitelist_gets_550_5_7_1()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.ConnectTls(TestPki.Pirate);
        var reply = client.Send($"MAIL FROM:<capitaine@{TestPki.PirateDomain}>").Expect("550 5.7.1");
        Assert.Contains("whitelist", reply.First, StringComparison.Ordinal);
        client.Send("MAIL FROM:<>").Expect("550 5.7.1");
    }

    [Fact]
    public async Task A_sender_domain_that_is_not_the_certificates_gets_550_5_7_1()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<usurpateur@{TestPki.MedecinDomain}>").Expect("550 5.7.1 Sender domain does not belong");
        client.Send("MAIL FROM:<someone@gmail.com>").Expect("550 5.7.1");
        client.Send($"MAIL FROM:<{Sender}>").Expect("250");
    }

    [Fact]
    public async Task The_null_sender_of_notifications_is_accepted()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send("MAIL FROM:<>").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage("From: MAILER-DAEMON@pharmacien.mssante.fr\r\nSubject: Delivery Status Notification\r\n\r\nfailed\r\n").Expect("250");
        Assert.Single(await relay.InboxAsync(RelayHarness.Alice));
    }

    [Fact]
    public async Task Unknown_local_mailbox_gets_550_5_1_1_and_foreign_domains_550_5_7_1()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<{Sender}>").Expect("250");
        client.Send($"RCPT TO:<nobody@{RelayHarness.LocalDomain}>").Expect("550 5.1.1");
        client.Send($"RCPT TO:<someone@{TestPki.PharmacienDomain}>").Expect("550 5.7.1 Relaying denied");
        client.Send("RCPT TO:<victim@gmail.com>").Expect("550 5.7.1");
        client.Send("RCPT TO:<postmaster>").Expect("550 5.1.1");
        client.Send("DATA").Expect("554 5.5.1");
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message()).Expect("250");
        Assert.Single(await relay.InboxAsync(RelayHarness.Alice));
    }

    [Fact]
    public async Task A_domain_removed_from_the_whitelist_is_refused_at_the_next_mail()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<{Sender}>").Expect("250");
        client.Send("RSET").Expect("250");
        relay.Whitelist.Remove(TestPki.PharmacienDomain);
        client.Send($"MAIL FROM:<{Sender}>").Expect("550 5.7.1");
    }

    [Fact]
    public async Task An_oversized_message_gets_552_5_3_4_and_nothing_is_stored()
    {
        await using var relay = await RelayHarness.StartAsync(o => o.MaxMessageSize = 100 * 1024);
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<{Sender}> SIZE=200000").Expect("552 5.3.4");
        client.Send($"MAIL FROM:<{Sender}>").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250");
        client.Send("DATA").Expect("354");
        var big = Message() + string.Concat(Enumerable.Repeat(new string('x', 900) + "\r\n", 150));
        client.SendMessage(big).Expect("552 5.3.4");
        client.Send("NOOP").Expect("250");
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));
    }

    [Fact]
    public async Task A_storage_failure_gets_451_4_3_0_and_nothing_is_acknowledged()
    {
        await using var relay = await RelayHarness.StartAsync(wrapStore: store => new FailingStore(store));
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<{Sender}>").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message()).Expect("451 4.3.0");
        client.Send("NOOP").Expect("250");
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));
    }

    [Fact]
    public async Task A_mailbox_deleted_during_the_transaction_gives_451_and_stores_nothing()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<{Sender}>").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Bob}>").Expect("250");
        Assert.True(await relay.Store.DeleteMailboxAsync(RelayHarness.Bob));
        client.Send("DATA").Expect("354");
        client.SendMessage(Message()).Expect("451 4.3.0");
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));
    }

    [Fact]
    public async Task Logs_carry_no_address_local_part_nor_content()
    {
        var logs = new ListLoggerFactory();
        await using (var relay = await RelayHarness.StartAsync(loggerFactory: logs))
        {
            using var client = relay.ConnectTls(TestPki.Pharmacien);
            client.Send($"MAIL FROM:<{Sender}>").Expect("250");
            client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250");
            client.Send($"RCPT TO:<nobody@{RelayHarness.LocalDomain}>").Expect("550");
            client.Send("DATA").Expect("354");
            client.SendMessage(Message("Résultats VIH patient")).Expect("250");
            client.Send("QUIT").Expect("221");
            Assert.True(client.IsClosedByServer());
        }

        var all = string.Join("\n", logs.Lines);
        Assert.Contains("accepted", all, StringComparison.Ordinal);
        Assert.Contains("TLS", all, StringComparison.Ordinal);
        Assert.Contains(RelayHarness.LocalDomain, all, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("nobody", all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("dr.martin", all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("VIH", all, StringComparison.Ordinal);
        Assert.DoesNotContain("paracétamol", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patients_addressed_at_a_professional_relay_appear_in_no_log_line_but_as_a_pseudonym()
    {
        var logs = new ListLoggerFactory();
        var patient = PatientAddress.For(InsMatricule.FromNir("1850575123456")).ToString();
        var corsican = PatientAddress.For(InsMatricule.FromNir("285052A123456")).ToString();
        await using (var relay = await RelayHarness.StartAsync(loggerFactory: logs))
        {
            using var client = relay.ConnectTls(TestPki.Pharmacien);
            client.Send($"MAIL FROM:<{Sender}>").Expect("250");
            client.Send($"RCPT TO:<{patient}>").Expect("550 5.7.1");
            client.Send($"RCPT TO:<{corsican.ToUpperInvariant()}>").Expect("550 5.7.1");
            client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250");
            client.Send("DATA").Expect("354");
            client.SendMessage(Message()).Expect("250");
            client.Send("QUIT").Expect("221");
            Assert.True(client.IsClosedByServer());
        }

        var all = logs.AllText();
        // The refusals were logged, each recipient told apart by its pseudonym only.
        Assert.Contains(LogPseudonym.Address(patient), all, StringComparison.Ordinal);
        Assert.Contains(LogPseudonym.Address(corsican), all, StringComparison.Ordinal);
        Assert.NotEqual(LogPseudonym.Address(patient), LogPseudonym.Address(corsican));
        foreach (var address in new[] { patient, corsican })
        {
            Assert.DoesNotContain(address, all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(address[..15], all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(address[..13], all, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Needs_at_least_one_local_domain()
    {
        Assert.Throws<ArgumentException>(() => new RelayPolicy(new NullStore(), new NullStore(), TestPki.CreateValidator(), new MutableWhitelist(), []));
    }

    /// <summary>A store whose delivery fails (disk full, database down).</summary>
    private sealed class FailingStore(IMailStore inner) : StoreDecorator(inner)
    {
        public override Task<IReadOnlyList<StoredMessageRef>> DeliverAsync(InboundMessage message, CancellationToken cancellationToken = default) =>
            Task.FromException<IReadOnlyList<StoredMessageRef>>(new IOException("disk full"));
    }

    private sealed class NullStore() : StoreDecorator(null!);
}
