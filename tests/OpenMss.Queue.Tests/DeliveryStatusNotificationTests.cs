using MimeKit;
using OpenMss.Queue.Notifications;
using OpenMss.Queue.Tests.Support;

namespace OpenMss.Queue.Tests;

/// <summary>RFC 3464 reports as a mail client (MimeKit's parser) reads them.</summary>
public sealed class DeliveryStatusNotificationTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 25, 14, 30, 0, TimeSpan.Zero);
    private readonly DeliveryStatusNotification builder = new("relay.pharmacien.mssante.fr", "pharmacien.mssante.fr");

    [Fact]
    public void A_failure_report_parses_as_multipart_report_with_french_then_english_and_all_fields()
    {
        var original = QueueHarness.Message();
        var report = new DeliveryReport(
            QueueHarness.Sender,
            [new DsnRecipientReport("personne@medecin.mssante.fr", DsnAction.Failed, "5.1.1", "rfc822;personne@medecin.mssante.fr", "mx.medecin.mssante.fr", "smtp; 550 5.1.1 Mailbox unknown", Now)],
            original,
            ReturnFullMessage: false,
            ArrivalDate: Now.AddMinutes(-5),
            OriginalEnvelopeId: "ENV-7");

        var parsed = Reparse(builder.Create(report, Now));

        Assert.Equal(DeliveryStatusNotification.FailureSubject, parsed.Subject);
        Assert.Equal("Système de messagerie OpenMSS", parsed.From.Mailboxes.Single().Name);
        Assert.Equal("MAILER-DAEMON@pharmacien.mssante.fr", parsed.From.Mailboxes.Single().Address);
        Assert.Equal(QueueHarness.Sender, parsed.To.Mailboxes.Single().Address);
        Assert.EndsWith("@pharmacien.mssante.fr", parsed.MessageId, StringComparison.Ordinal);
        Assert.Equal("auto-replied", parsed.Headers["Auto-Submitted"]);

        var body = Assert.IsType<MultipartReport>(parsed.Body);
        Assert.Equal("delivery-status", body.ReportType);
        Assert.Equal(3, body.Count);
        var text = Assert.IsType<TextPart>(body[0]).Text;
        Assert.StartsWith("Ceci est un message automatique", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("Votre message n'a pas pu être remis aux destinataires suivants :", StringComparison.Ordinal)
                    < text.IndexOf("Your message could not be delivered to the following recipients:", StringComparison.Ordinal));
        Assert.Contains("motif : La boîte aux lettres du destinataire n'existe pas ou a été fermée. (code 5.1.1)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Ordonnance", text, StringComparison.Ordinal);

        var groups = Assert.IsType<MessageDeliveryStatus>(body[1]).StatusGroups;
        Assert.Equal("dns; relay.pharmacien.mssante.fr", groups[0]["Reporting-MTA"]);
        Assert.Equal("ENV-7", groups[0]["Original-Envelope-Id"]);
        Assert.Equal(Now.AddMinutes(-5), ParseDate(groups[0]["Arrival-Date"]));
        var recipient = groups[1];
        Assert.Equal("rfc822; personne@medecin.mssante.fr", recipient["Original-Recipient"]);
        Assert.Equal("rfc822; personne@medecin.mssante.fr", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Equal("dns; mx.medecin.mssante.fr", recipient["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 Mailbox unknown", recipient["Diagnostic-Code"]);
        Assert.NotNull(recipient["Last-Attempt-Date"]);
        Assert.Null(recipient["Will-Retry-Until"]);

        // Headers only (RET=HDRS): the original header block, and no body.
        var headers = Assert.IsType<TextRfc822Headers>(body[2]);
        Assert.Equal("Claire Martin", headers.Message!.From.Mailboxes.Single().Name);
        using var content = new MemoryStream();
        headers.Message.WriteTo(content);
        Assert.DoesNotContain("médicament", System.Text.Encoding.UTF8.GetString(content.ToArray()), StringComparison.Ordinal);
        Assert.Equal(2, groups.Count);
    }

    [Fact]
    public void With_RET_FULL_the_original_message_comes_back_unchanged_as_message_rfc822()
    {
        var original = QueueHarness.Message();
        var report = new DeliveryReport(QueueHarness.Sender, [new DsnRecipientReport(QueueHarness.Doctor, DsnAction.Failed, "5.2.2")], original, ReturnFullMessage: true, Now);

        var parsed = Reparse(builder.Create(report, Now));

        var returned = Assert.IsType<MessagePart>(Assert.IsType<MultipartReport>(parsed.Body)[2]);
        using var bytes = new MemoryStream();
        var crlf = FormatOptions.Default.Clone();
        crlf.NewLineFormat = NewLineFormat.Dos;
        returned.Message!.WriteTo(crlf, bytes);
        Assert.Equal(original, bytes.ToArray());
        Assert.Equal(MimeMessage.Load(new MemoryStream(original)).MessageId, parsed.InReplyTo);
        Assert.Contains(parsed.InReplyTo, parsed.References);
    }

    [Fact]
    public void A_delay_report_says_until_when_delivery_is_retried()
    {
        var until = Now.AddDays(5);
        var report = new DeliveryReport(
            QueueHarness.Sender,
            [new DsnRecipientReport(QueueHarness.Doctor, DsnAction.Delayed, "4.4.1", LastAttemptDate: Now, WillRetryUntil: until, DiagnosticCode: "x-openmss; connection refused")],
            QueueHarness.Message(),
            ReturnFullMessage: false,
            Now.AddHours(-4));

        var parsed = Reparse(builder.Create(report, Now));

        Assert.Equal(DeliveryStatusNotification.DelaySubject, parsed.Subject);
        var body = Assert.IsType<MultipartReport>(parsed.Body);
        var text = Assert.IsType<TextPart>(body[0]).Text;
        Assert.Contains("Votre message n'a pas encore pu être remis", text, StringComparison.Ordinal);
        Assert.Contains("nouvelles tentatives seront faites jusqu'au dimanche 30 novembre 2025 à 15:30 (heure de Paris)", text, StringComparison.Ordinal);
        Assert.Contains("until 2025-11-30 14:30 UTC", text, StringComparison.Ordinal);
        var recipient = Assert.IsType<MessageDeliveryStatus>(body[1]).StatusGroups[1];
        Assert.Equal("delayed", recipient["Action"]);
        Assert.Equal(until, ParseDate(recipient["Will-Retry-Until"]));
    }

    public static TheoryData<DsnAction, string, string?, string> FrenchTexts => new()
    {
        { DsnAction.Failed, "5.1.1", "smtp; 550 5.1.1 Mailbox unknown", "La boîte aux lettres du destinataire n'existe pas ou a été fermée." },
        { DsnAction.Failed, "5.1.2", "x-openmss; no relay known for medecin.mssante.fr in the trust space", "Le domaine du destinataire n'existe pas ou ne fait pas partie de l'espace de confiance MSSanté." },
        { DsnAction.Failed, "5.2.2", "smtp; 552 5.2.2 Mailbox full", "La boîte aux lettres du destinataire est pleine." },
        { DsnAction.Failed, "5.3.4", "smtp; 552 5.3.4 Message size exceeds the fixed maximum message size", "Le message est trop volumineux pour le serveur du destinataire." },
        { DsnAction.Failed, "5.7.1", "smtp; 550 5.7.1 Relaying denied", "Le serveur du destinataire a refusé le message en application de ses règles de remise." },
        { DsnAction.Failed, "5.6.0", "smtp; 554 5.6.0 bare LF", "Le serveur du destinataire a refusé le contenu du message, qu'il juge non conforme." },
        { DsnAction.Failed, "4.4.7", null, "Le délai de remise est dépassé : le serveur du destinataire n'a pas pu être joint à temps." },
        { DsnAction.Failed, "4.3.1", "smtp; 452 4.3.1 Insufficient system storage", "Le serveur du destinataire a refusé le message temporairement jusqu'à la fin du délai de remise." },
        { DsnAction.Failed, "5.9.9", "smtp; 550 5.9.9 Something new", "La remise a échoué définitivement." },
        { DsnAction.Delayed, "4.4.1", "x-openmss; connection refused", "Le serveur du destinataire ne répond pas pour le moment." },
        { DsnAction.Delayed, "4.7.5", "x-openmss; TLS handshake failed", "La connexion sécurisée avec le serveur du destinataire a échoué (TLS ou certificat)." },
        { DsnAction.Delayed, "4.2.2", "smtp; 452 4.2.2 Mailbox full", "La boîte aux lettres du destinataire est pleine pour le moment." },
        { DsnAction.Delayed, "4.3.1", "smtp; 452 4.3.1 Insufficient system storage", "La remise est retardée : le serveur du destinataire n'a pas encore accepté le message." },
    };

    [Theory]
    [MemberData(nameof(FrenchTexts))]
    public void The_readable_part_explains_the_status_code_in_French_first(DsnAction action, string status, string? diagnostic, string french)
    {
        var report = new DeliveryReport(
            QueueHarness.Sender,
            [new DsnRecipientReport(QueueHarness.Doctor, action, status, RemoteMta: diagnostic?.StartsWith("smtp;", StringComparison.Ordinal) == true ? "mx.medecin.mssante.fr" : null, DiagnosticCode: diagnostic, WillRetryUntil: action == DsnAction.Delayed ? Now.AddDays(5) : null)],
            QueueHarness.Message(),
            ReturnFullMessage: false,
            Now.AddHours(-1));

        var body = Assert.IsType<MultipartReport>(Reparse(builder.Create(report, Now)).Body);
        // Line ends as the reader's parser gives them.
        var text = Assert.IsType<TextPart>(body[0]).Text.ReplaceLineEndings("\n");

        var motif = text.IndexOf($"    motif : {french} (code {status})\n", StringComparison.Ordinal);
        var english = text.IndexOf("--- English ---", StringComparison.Ordinal);
        Assert.True(motif >= 0, text);
        Assert.True(english > motif, "French first");
        Assert.Contains($"    reason: ", text[english..], StringComparison.Ordinal);
        if (diagnostic is not null && diagnostic.StartsWith("smtp; ", StringComparison.Ordinal))
        {
            // The remote's own words are quoted, in both languages.
            var remote = diagnostic["smtp; ".Length..];
            Assert.Contains($"    réponse du serveur mx.medecin.mssante.fr : « {remote} »\n", text[..english], StringComparison.Ordinal);
            Assert.Contains($"    reply from mx.medecin.mssante.fr: \"{remote}\"\n", text[english..], StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("réponse du serveur", text, StringComparison.Ordinal);
        }

        var recipient = Assert.IsType<MessageDeliveryStatus>(body[1]).StatusGroups[1];
        Assert.Equal(status, recipient["Status"]);
        Assert.Equal(diagnostic, recipient["Diagnostic-Code"]);
    }

    [Fact]
    public void A_refusal_by_policy_quotes_the_remote_text_in_French_then_English()
    {
        var report = new DeliveryReport(
            QueueHarness.Sender,
            [new DsnRecipientReport(QueueHarness.Doctor, DsnAction.Failed, "5.7.1", RemoteMta: "mx.medecin.mssante.fr", DiagnosticCode: "smtp; 550 5.7.1 Un patient ne peut ecrire en premier qu'a sa pharmacie")],
            QueueHarness.Message(),
            ReturnFullMessage: false,
            Now.AddHours(-1));

        var text = Assert.IsType<TextPart>(Assert.IsType<MultipartReport>(Reparse(builder.Create(report, Now)).Body)[0]).Text.ReplaceLineEndings("\n");

        Assert.Contains(
            "    motif : Le serveur du destinataire a refusé le message en application de ses règles de remise. (code 5.7.1)\n" +
            "    réponse du serveur mx.medecin.mssante.fr : « 550 5.7.1 Un patient ne peut ecrire en premier qu'a sa pharmacie »\n",
            text,
            StringComparison.Ordinal);
        Assert.Contains(
            "    reason: The recipient's server refused the message under its delivery policy. (code 5.7.1)\n" +
            "    reply from mx.medecin.mssante.fr: \"550 5.7.1 Un patient ne peut ecrire en premier qu'a sa pharmacie\"\n",
            text,
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_machine_readable_part_is_exactly_the_RFC_3464_fields()
    {
        var arrival = Now.AddMinutes(-5);
        var report = new DeliveryReport(
            QueueHarness.Sender,
            [
                new DsnRecipientReport("personne@medecin.mssante.fr", DsnAction.Failed, "5.1.1", "rfc822;personne@medecin.mssante.fr", "mx.medecin.mssante.fr", "smtp; 550 5.1.1 Mailbox unknown", Now),
                new DsnRecipientReport(QueueHarness.Doctor, DsnAction.Delayed, "4.4.1", DiagnosticCode: "x-openmss; connection refused", LastAttemptDate: Now, WillRetryUntil: Now.AddDays(5)),
            ],
            QueueHarness.Message(),
            ReturnFullMessage: false,
            arrival,
            OriginalEnvelopeId: "ENV-7");

        var body = Assert.IsType<MultipartReport>(builder.Create(report, Now).Body);
        var part = Assert.IsAssignableFrom<MimePart>(body[1]);
        using var content = new MemoryStream();
        part.Content!.DecodeTo(content);

        var date = (DateTimeOffset d) => MimeKit.Utils.DateUtils.FormatDate(d);
        Assert.Equal(
            "Reporting-MTA: dns; relay.pharmacien.mssante.fr\r\n" +
            "Original-Envelope-Id: ENV-7\r\n" +
            $"Arrival-Date: {date(arrival)}\r\n" +
            "\r\n" +
            "Original-Recipient: rfc822; personne@medecin.mssante.fr\r\n" +
            "Final-Recipient: rfc822; personne@medecin.mssante.fr\r\n" +
            "Action: failed\r\n" +
            "Status: 5.1.1\r\n" +
            "Remote-MTA: dns; mx.medecin.mssante.fr\r\n" +
            "Diagnostic-Code: smtp; 550 5.1.1 Mailbox unknown\r\n" +
            $"Last-Attempt-Date: {date(Now)}\r\n" +
            "\r\n" +
            $"Final-Recipient: rfc822; {QueueHarness.Doctor}\r\n" +
            "Action: delayed\r\n" +
            "Status: 4.4.1\r\n" +
            "Diagnostic-Code: x-openmss; connection refused\r\n" +
            $"Last-Attempt-Date: {date(Now)}\r\n" +
            $"Will-Retry-Until: {date(Now.AddDays(5))}\r\n",
            System.Text.Encoding.UTF8.GetString(content.ToArray()));
        Assert.Equal("message/delivery-status", part.ContentType.MimeType);
    }

    [Fact]
    public void No_report_is_ever_addressed_to_the_null_sender()
    {
        var report = new DeliveryReport("", [new DsnRecipientReport(QueueHarness.Doctor, DsnAction.Failed, "5.1.1")], QueueHarness.Message(), false, Now);

        Assert.Throws<ArgumentException>(() => builder.Create(report, Now));
    }

    private static DateTimeOffset ParseDate(string? value) =>
        MimeKit.Utils.DateUtils.TryParse(value, out var date) ? date : throw new FormatException("not an RFC 5322 date: " + value);

    private static MimeMessage Reparse(MimeMessage message) =>
        MimeMessage.Load(new MemoryStream(DeliveryStatusNotification.ToBytes(message)));
}
