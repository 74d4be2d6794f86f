using System.Collections.Concurrent;
using System.Text;
using OpenMss.Smtp.Inbound;
using OpenMss.Smtp.Tests.Support;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.Smtp.Tests.Inbound;

/// <summary>
/// RFC 3461 §6.2.2 at the final delivery: the relay hands the stored message to its delivery
/// notifier for the recipients that asked <c>NOTIFY=SUCCESS</c>, with ENVID and ORCPT decoded,
/// never for the null sender, and a notifier failure does not undo the <c>250</c>.
/// </summary>
public class SuccessNotificationTests
{
    private const string Sender = "dr.martin@" + TestPki.PharmacienDomain;

    private static string Message() =>
        $"From: <{Sender}>\r\nTo: <{RelayHarness.Alice}>\r\nSubject: Compte rendu\r\nMessage-ID: <2@pharmacien.mssante.fr>\r\n\r\nBonjour,\r\n";

    [Fact]
    public async Task Recipients_that_asked_NOTIFY_SUCCESS_are_reported_after_the_message_is_stored()
    {
        var calls = new ConcurrentQueue<Call>();
        RelayHarness? started = null;
        await using var relay = await RelayHarness.StartAsync(deliveryNotifier: Recording(calls, async () => (await started!.InboxAsync(RelayHarness.Alice)).Count == 1));
        started = relay;
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<{Sender}> RET=FULL ENVID=QQ+2B314").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Alice}> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;secretariat+2Bcardio@medecin.mssante.fr").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Bob}> NOTIFY=FAILURE,DELAY ORCPT=rfc822;{RelayHarness.Bob}").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message()).Expect("250 2.0.0");

        var call = Assert.Single(calls);
        Assert.Equal(Sender, call.MailFrom);
        Assert.Equal("QQ+314", call.EnvelopeId);
        var reported = Assert.Single(call.Delivered);
        Assert.Equal(RelayHarness.Alice, reported.Address);
        Assert.Equal("rfc822;secretariat+cardio@medecin.mssante.fr", reported.OriginalRecipient);
        Assert.True(reported.Notify.HasFlag(DsnNotify.Success));
        Assert.True(call.StoredWhenCalled);

        // The notifier sees the message as stored (trace header first).
        Assert.StartsWith("Received: ", call.Raw, StringComparison.Ordinal);
        Assert.EndsWith(Message(), call.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Neither_the_null_sender_nor_recipients_without_SUCCESS_cause_a_report()
    {
        var calls = new ConcurrentQueue<Call>();
        await using var relay = await RelayHarness.StartAsync(deliveryNotifier: Recording(calls, () => Task.FromResult(true)));
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send("MAIL FROM:<>").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Alice}> NOTIFY=SUCCESS").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message()).Expect("250");

        client.Send($"MAIL FROM:<{Sender}>").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Bob}> NOTIFY=NEVER").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message()).Expect("250");

        Assert.Equal(2, (await relay.InboxAsync(RelayHarness.Alice)).Count);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task A_report_that_cannot_be_sent_does_not_undo_the_delivery()
    {
        var logs = new ListLoggerFactory();
        await using var relay = await RelayHarness.StartAsync(
            loggerFactory: logs,
            deliveryNotifier: (_, _, _, _, _, _) => throw new InvalidOperationException("queue unavailable"));
        using var client = relay.ConnectTls(TestPki.Pharmacien);
        client.Send($"MAIL FROM:<{Sender}>").Expect("250");
        client.Send($"RCPT TO:<{RelayHarness.Alice}> NOTIFY=SUCCESS").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message()).Expect("250 2.0.0");

        Assert.Single(await relay.InboxAsync(RelayHarness.Alice));
        Assert.Contains(logs.Lines, l => l.Contains("delivery report (NOTIFY=SUCCESS) could not be sent", StringComparison.Ordinal));
    }

    private sealed record Call(string MailFrom, IReadOnlyList<OutboundRecipient> Delivered, string Raw, string? EnvelopeId, bool StoredWhenCalled);

    private static NotifyDelivered Recording(ConcurrentQueue<Call> calls, Func<Task<bool>> stored) => async (mailFrom, delivered, raw, envelopeId, arrival, _) =>
    {
        var text = Encoding.UTF8.GetString(raw.Span);
        calls.Enqueue(new Call(mailFrom, delivered.ToList(), text, envelopeId, await stored()));
    };
}
