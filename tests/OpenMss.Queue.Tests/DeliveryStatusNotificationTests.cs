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
        Assert.Contains("adresse de destinataire inconnue", text, StringComparison.Ordinal);
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
