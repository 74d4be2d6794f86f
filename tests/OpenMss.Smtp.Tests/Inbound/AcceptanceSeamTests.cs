using MimeKit;
using OpenMss.Smtp.Acceptance;
using OpenMss.Smtp.Protocol;
using OpenMss.Smtp.Tests.Support;
using OpenMss.Testing;

namespace OpenMss.Smtp.Tests.Inbound;

/// <summary>
/// The acceptance seam end to end on the relay (real sockets, real TLS with the test PKI, a real
/// SQLite store): extra recipient stages answer at RCPT, message stages at the end of DATA from
/// the header, and a refused message is stored for nobody.
/// </summary>
public class AcceptanceSeamTests
{
    private const string Sender = "dr.martin@" + TestPki.PharmacienDomain;

    private static readonly SmtpReply ConversationClosed = new(550, "5.7.1", "This conversation is closed", "conversation_closed");
    private static readonly SmtpReply Opposed = new(550, "5.7.1", "This recipient refuses messages", "opposed");
    private static readonly SmtpReply TryLater = new(451, "4.3.0", "Conversation state unavailable, try again later", "conversation_unavailable");

    private static string Message(string extraHeader = "") =>
        $"From: <{Sender}>\r\nTo: <{RelayHarness.Alice}>\r\n{extraHeader}Subject: Suivi\r\nMessage-ID: <2@pharmacien.mssante.fr>\r\n\r\nBonjour\r\n";

    [Fact]
    public async Task A_message_stage_refusing_on_a_header_gives_its_reply_after_data_and_nothing_is_stored()
    {
        await using var relay = await RelayHarness.StartAsync(messageStages: [new ClosedConversationStage()]);
        using var client = relay.ConnectTls(TestPki.Pharmacien);

        var refused = Transaction(client, Message("X-Conversation: closed\r\n"), RelayHarness.Alice).Expect("550 5.7.1");
        Assert.Equal("550 5.7.1 This conversation is closed", refused.First);
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));

        // The same session goes on, and a message of an open conversation is taken.
        Transaction(client, Message("X-Conversation: open\r\n"), RelayHarness.Alice).Expect("250 2.0.0");
        Assert.Single(await relay.InboxAsync(RelayHarness.Alice));
    }

    [Fact]
    public async Task Different_answers_for_the_recipients_of_one_transaction_get_550_5_5_3_and_one_recipient_per_transaction_works()
    {
        await using var relay = await RelayHarness.StartAsync(messageStages: [new RefusesRecipientStage(RelayHarness.Bob, ConversationClosed)]);
        using var client = relay.ConnectTls(TestPki.Pharmacien);

        Transaction(client, Message(), RelayHarness.Alice, RelayHarness.Bob).Expect("550 5.5.3");
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));
        Assert.Empty(await relay.InboxAsync(RelayHarness.Bob));

        Transaction(client, Message(), RelayHarness.Alice).Expect("250 2.0.0");
        Transaction(client, Message(), RelayHarness.Bob).Expect("550 5.7.1");

        Assert.Single(await relay.InboxAsync(RelayHarness.Alice));
        Assert.Empty(await relay.InboxAsync(RelayHarness.Bob));
    }

    [Fact]
    public async Task A_temporary_refusal_for_one_recipient_defers_the_whole_message()
    {
        await using var relay = await RelayHarness.StartAsync(messageStages: [new RefusesRecipientStage(RelayHarness.Bob, TryLater)]);
        using var client = relay.ConnectTls(TestPki.Pharmacien);

        Transaction(client, Message(), RelayHarness.Alice, RelayHarness.Bob).Expect("451 4.3.0");
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));
    }

    [Fact]
    public async Task An_extra_recipient_stage_answers_at_rcpt_after_the_local_mailbox_check()
    {
        await using var relay = await RelayHarness.StartAsync(extraRecipientStages: [new OpposedStage(RelayHarness.Bob)]);
        using var client = relay.ConnectTls(TestPki.Pharmacien);

        client.Send($"MAIL FROM:<{Sender}>").Expect("250");
        client.Send($"RCPT TO:<nobody@{RelayHarness.LocalDomain}>").Expect("550 5.1.1");
        client.Send("RCPT TO:<someone@radiologie.mssante.fr>").Expect("550 5.7.1");
        var opposed = client.Send($"RCPT TO:<{RelayHarness.Bob}>").Expect("550 5.7.1");
        Assert.Equal("550 5.7.1 This recipient refuses messages", opposed.First);
        client.Send($"RCPT TO:<{RelayHarness.Alice}>").Expect("250 2.1.5");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message()).Expect("250 2.0.0");

        Assert.Single(await relay.InboxAsync(RelayHarness.Alice));
        Assert.Empty(await relay.InboxAsync(RelayHarness.Bob));
    }

    [Fact]
    public async Task The_transaction_reply_follows_the_documented_rules()
    {
        Assert.Null((await VerdictAsync(null, null)).TransactionReply);
        Assert.Same(ConversationClosed, (await VerdictAsync(ConversationClosed, Opposed)).TransactionReply);
        Assert.Same(TryLater, (await VerdictAsync(ConversationClosed, TryLater)).TransactionReply);
        Assert.Same(TryLater, (await VerdictAsync(null, TryLater)).TransactionReply);
        Assert.Same(SmtpReplies.OneRecipientPerTransaction, (await VerdictAsync(null, Opposed)).TransactionReply);
        Assert.Null(MessageVerdict.Accepted.TransactionReply);
        Assert.Null(MessageVerdict.Accepted.RefusalFor(3));
    }

    /// <summary>MAIL, one RCPT per recipient (each accepted), DATA with <paramref name="message"/>; the client, to read the reply after the data.</summary>
    private static SmtpTestClient Transaction(SmtpTestClient client, string message, params string[] recipients)
    {
        client.Send($"MAIL FROM:<{Sender}>").Expect("250 2.1.0");
        foreach (var recipient in recipients)
        {
            client.Send($"RCPT TO:<{recipient}>").Expect("250 2.1.5");
        }

        client.Send("DATA").Expect("354");
        return client.SendMessage(message);
    }

    private static async Task<MessageVerdict> VerdictAsync(params SmtpReply?[] refusals)
    {
        var pipeline = new AcceptancePipeline([], [new FixedAnswersStage(refusals)]);
        var envelope = new AcceptanceEnvelope(Sender);
        for (var i = 0; i < refusals.Length; i++)
        {
            Assert.Same(SmtpReplies.RecipientOk, await pipeline.CheckRecipientAsync(envelope, new AcceptanceRecipient($"r{i}@{RelayHarness.LocalDomain}")));
        }

        var verdict = await pipeline.CheckMessageAsync(envelope, "Subject: x\r\n\r\nbody\r\n"u8.ToArray());
        for (var i = 0; i < refusals.Length; i++)
        {
            Assert.Same(refusals[i], verdict.RefusalFor(i));
        }

        return verdict;
    }

    /// <summary>Refuses a message whose <c>X-Conversation</c> header says it belongs to a closed conversation.</summary>
    private sealed class ClosedConversationStage : IMessagePolicy
    {
        public ValueTask<SmtpReply?> CheckMessageAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, HeaderList headers, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(headers["X-Conversation"]?.Trim() == "closed" ? ConversationClosed : null);
    }

    private sealed class RefusesRecipientStage(string address, SmtpReply reply) : IMessagePolicy
    {
        public ValueTask<SmtpReply?> CheckMessageAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, HeaderList headers, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(recipient.Mailbox is not null && string.Equals(recipient.Address, address, StringComparison.OrdinalIgnoreCase) ? reply : null);
    }

    private sealed class OpposedStage(string address) : IRecipientPolicy
    {
        public ValueTask<SmtpReply?> CheckRecipientAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(recipient.Mailbox is { } mailbox && string.Equals(mailbox.Address, address, StringComparison.OrdinalIgnoreCase) ? Opposed : null);
    }

    private sealed class FixedAnswersStage(SmtpReply?[] answers) : IMessagePolicy
    {
        public ValueTask<SmtpReply?> CheckMessageAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, HeaderList headers, CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < envelope.Recipients.Count; i++)
            {
                if (ReferenceEquals(envelope.Recipients[i], recipient))
                {
                    return ValueTask.FromResult(answers[i]);
                }
            }

            return ValueTask.FromResult<SmtpReply?>(null);
        }
    }
}
