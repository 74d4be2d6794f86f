using System.Net.Http;
using MimeKit;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.EndToEnd.Tests;

/// <summary>Two operators exchanging mail over mutually authenticated SMTP, as peers in the trust space.</summary>
public sealed class RelayEndToEndTests
{
    [Fact]
    public async Task A_message_from_a_pharmacist_reaches_the_doctor_byte_for_byte()
    {
        await using var space = await TwoOperators.StartAsync();
        var original = TwoOperators.Message(TwoOperators.Pharmacist, TwoOperators.Doctor, body: "Bonjour Docteur,\r\nMédicament délivré.\r\n");

        var result = await space.A.Submitter.SubmitAsync(TwoOperators.Pharmacist, [new OutboundRecipient(TwoOperators.Doctor)], original);
        Assert.True(result.AllAccepted);

        var received = await TwoOperators.WaitForInboxAsync(space.B!.Store, TwoOperators.Doctor);
        Assert.Equal(original, TwoOperators.WithoutFirstReceivedHeader(received[0]));
        await Eventually.WaitUntilAsync(async () => await space.A.Store.CountQueueAsync() == 0);

        // B's audit trail says which operator wrote into the doctor's mailbox; the CLI shows it.
        var audit = Assert.Single(await space.B.Store.QueryAuditAsync(new AuditQuery(Mailbox: TwoOperators.Doctor)));
        Assert.Equal(("operator:pharmacien.mssante.fr", "deliver", "ok"), (audit.Actor, audit.Action, audit.Result));
        var shown = await Cli.RunAsync("audit", "--config", space.ConfigPath("b"), "--mailbox", TwoOperators.Doctor);
        Assert.Contains("operator:pharmacien.mssante.fr", shown.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Ordonnance", shown.Out, StringComparison.Ordinal); // never the subject
    }

    [Fact]
    public async Task An_unknown_recipient_at_the_other_operator_comes_back_as_a_failure_notification()
    {
        await using var space = await TwoOperators.StartAsync();
        var original = TwoOperators.Message(TwoOperators.Pharmacist, "personne@medecin.mssante.fr");

        await space.A.Submitter.SubmitAsync(TwoOperators.Pharmacist, [new OutboundRecipient("personne@medecin.mssante.fr")], original);

        var bounces = await TwoOperators.WaitForInboxAsync(space.A.Store, TwoOperators.Pharmacist);
        var report = MimeMessage.Load(new MemoryStream(bounces[0]));
        var multipart = Assert.IsType<MultipartReport>(report.Body);
        Assert.Equal("delivery-status", multipart.ReportType);
        var readable = Assert.IsType<TextPart>(multipart[0]);
        Assert.Contains("n'a pas pu être remis", readable.Text, StringComparison.Ordinal);
        var status = Assert.IsType<MessageDeliveryStatus>(multipart[1]);
        var recipient = status.StatusGroups[1];
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Contains("personne@medecin.mssante.fr", recipient["Final-Recipient"], StringComparison.Ordinal);
        await Eventually.WaitUntilAsync(async () => await space.A.Store.CountQueueAsync() == 0);
    }

    [Fact]
    public async Task When_the_other_operator_is_down_the_message_waits_in_the_queue_and_arrives_once_it_is_back()
    {
        await using var space = await TwoOperators.StartAsync();
        await space.StopBAsync();
        var original = TwoOperators.Message(TwoOperators.Pharmacist, TwoOperators.Doctor);

        await space.A.Submitter.SubmitAsync(TwoOperators.Pharmacist, [new OutboundRecipient(TwoOperators.Doctor)], original);

        // Tried at least twice while B is down, and still queued.
        await Eventually.WaitUntilAsync(async () => (await space.A.Store.ListQueueAsync()).SingleOrDefault()?.Attempts >= 2);
        var waiting = Assert.Single(await space.A.Store.ListQueueAsync());
        Assert.Equal(TwoOperators.DoctorDomain, waiting.Domain);
        Assert.NotNull(waiting.LastError);

        await space.RestartBAsync();

        var received = await TwoOperators.WaitForInboxAsync(space.B!.Store, TwoOperators.Doctor);
        Assert.Equal(original, TwoOperators.WithoutFirstReceivedHeader(received[0]));
        await Eventually.WaitUntilAsync(async () => await space.A.Store.CountQueueAsync() == 0);
        Assert.Empty(await ListInboxAsync(space.A.Store, TwoOperators.Pharmacist)); // no failure notification
    }

    [Fact]
    public async Task The_queue_survives_a_restart_of_the_sending_operator()
    {
        await using var space = await TwoOperators.StartAsync();
        await space.StopBAsync();
        var original = TwoOperators.Message(TwoOperators.Pharmacist, TwoOperators.Doctor);
        await space.A.Submitter.SubmitAsync(TwoOperators.Pharmacist, [new OutboundRecipient(TwoOperators.Doctor)], original);

        await space.RestartAAsync();
        Assert.Equal(1, await space.A.Store.CountQueueAsync());
        await space.RestartBAsync();

        var received = await TwoOperators.WaitForInboxAsync(space.B!.Store, TwoOperators.Doctor);
        Assert.Equal(original, TwoOperators.WithoutFirstReceivedHeader(received[0]));
    }

    [Fact]
    public async Task Health_and_metrics_are_served_and_count_accepted_messages()
    {
        await using var space = await TwoOperators.StartAsync();
        await space.A.Submitter.SubmitAsync(TwoOperators.Pharmacist, [new OutboundRecipient(TwoOperators.Doctor)],
            TwoOperators.Message(TwoOperators.Pharmacist, TwoOperators.Doctor));
        await TwoOperators.WaitForInboxAsync(space.B!.Store, TwoOperators.Doctor);

        using var http = space.WebClient(space.B);
        var health = await http.GetStringAsync(new Uri(space.B.WebUrl, "/health"));
        Assert.Contains("\"status\":\"ok\"", health, StringComparison.Ordinal);

        var metrics = "";
        await Eventually.WaitUntilAsync(async () =>
        {
            metrics = await http.GetStringAsync(new Uri(space.B.WebUrl, "/metrics"));
            return metrics.Contains("openmss_smtp_messages_accepted", StringComparison.Ordinal);
        });
        Assert.DoesNotContain(TwoOperators.Doctor, metrics, StringComparison.Ordinal);

        var missing = await http.GetAsync(new Uri(space.B.WebUrl, "/nope"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_operator_deletes_audit_events_past_the_retention_period_when_it_starts()
    {
        await using var space = await TwoOperators.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await space.A.Store.AppendAuditAsync(new AuditEvent(now.AddDays(-400), "810001234565", TwoOperators.Pharmacist, "imap.read", "ok"));
        await space.A.Store.AppendAuditAsync(new AuditEvent(now.AddDays(-30), "810001234565", TwoOperators.Pharmacist, "imap.read", "ok"));

        await space.RestartAAsync(); // default retention: one year

        await Eventually.WaitUntilAsync(async () => (await space.A.Store.QueryAuditAsync(new AuditQuery(Mailbox: TwoOperators.Pharmacist))).Count == 1);
        var kept = Assert.Single(await space.A.Store.QueryAuditAsync(new AuditQuery(Mailbox: TwoOperators.Pharmacist)));
        Assert.True(kept.At > now.AddDays(-31));
    }

    internal static async Task<IReadOnlyList<MessageSummary>> ListInboxAsync(IMailStore store, string address)
    {
        var mailbox = await store.FindMailboxAsync(address);
        var inbox = await store.FindFolderAsync(mailbox!.Id, "INBOX");
        return await store.ListMessagesAsync(inbox!.Id);
    }
}
