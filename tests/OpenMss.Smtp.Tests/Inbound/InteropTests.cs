using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using OpenMss.Smtp.Inbound;
using OpenMss.Smtp.Tests.Support;
using OpenMss.Testing;

namespace OpenMss.Smtp.Tests.Inbound;

/// <summary>MailKit's SmtpClient, a real client, against the relay over STARTTLS with a client certificate.</summary>
public class MailKitInteropTests
{
    private static SmtpClient NewClient(TestCredential? certificate)
    {
        var client = new SmtpClient
        {
            LocalDomain = "client.pharmacien.mssante.fr",
            Timeout = 60000,

            // The server's identity is the business of OpenMss.Trust's own tests.
            ServerCertificateValidationCallback = (_, _, _, _) => true,
        };
        if (certificate is not null)
        {
            client.ClientCertificates = new X509CertificateCollection { certificate.Certificate };
        }

        return client;
    }

    private static MimeMessage NewMessage(string to)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Dr Martin", "dr.martin@" + TestPki.PharmacienDomain));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Ordonnance renouvelée";
        message.Body = new TextPart("plain") { Text = "Bonjour,\n.point en début de ligne\nCordialement\n" };
        return message;
    }

    [Fact]
    public async Task MailKit_delivers_over_starttls_with_a_client_certificate()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = NewClient(TestPki.Pharmacien);
        await client.ConnectAsync(relay.EndPoint.Address.ToString(), relay.EndPoint.Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Dsn));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
        Assert.Equal(25L * 1024 * 1024, (long)client.MaxSize);

        var sent = NewMessage(RelayHarness.Alice);
        var response = await client.SendAsync(sent);
        Assert.Contains("accepted", response, StringComparison.Ordinal);

        // A second message on the same connection, to two recipients.
        var second = NewMessage(RelayHarness.Alice);
        second.To.Add(MailboxAddress.Parse(RelayHarness.Bob));
        await client.SendAsync(second);
        await client.DisconnectAsync(quit: true);

        var stored = await relay.InboxAsync(RelayHarness.Alice);
        Assert.Equal(2, stored.Count);
        var received = MimeMessage.Load(new MemoryStream(stored[0]));
        Assert.Equal(sent.Subject, received.Subject);
        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal(Assert.IsType<TextPart>(sent.Body).Text, Assert.IsType<TextPart>(received.Body).Text);
        Assert.Equal("Received", received.Headers[0].Field);
        Assert.Single(await relay.InboxAsync(RelayHarness.Bob));
    }

    [Fact]
    public async Task MailKit_sees_the_relay_refusals()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = NewClient(TestPki.Pharmacien);
        await client.ConnectAsync(relay.EndPoint.Address.ToString(), relay.EndPoint.Port, SecureSocketOptions.StartTls);

        var unknown = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage("nobody@" + RelayHarness.LocalDomain)));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, unknown.StatusCode);
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, unknown.ErrorCode);
        Assert.Contains("5.1.1", unknown.Message + unknown.StatusCode, StringComparison.Ordinal);

        var relaying = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage("victim@gmail.com")));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, relaying.StatusCode);
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));
    }

    [Fact]
    public async Task MailKit_without_a_certificate_is_refused()
    {
        await using var relay = await RelayHarness.StartAsync();
        using var client = NewClient(null);
        await client.ConnectAsync(relay.EndPoint.Address.ToString(), relay.EndPoint.Port, SecureSocketOptions.StartTls);
        // MailKit reports a 530 as "authentication required", with the server's text.
        var refused = await Assert.ThrowsAsync<MailKit.ServiceNotAuthenticatedException>(() => client.SendAsync(NewMessage(RelayHarness.Alice)));
        Assert.Contains("5.7.0 A client certificate", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await relay.InboxAsync(RelayHarness.Alice));
    }
}

public class MetricsTests
{
    [Fact]
    public async Task Counters_report_sessions_messages_refusals_and_bytes()
    {
        var measurements = new ConcurrentQueue<(string Name, long Value, string? Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SmtpMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    reason = tag.Value as string;
                }
            }

            measurements.Enqueue((instrument.Name, value, reason));
        });
        listener.Start();

        var policy = new RecordingPolicy();
        await using (var harness = await ServerHarness.StartAsync(policy, o => o.MaxMessageSize = 2048))
        {
            using var client = harness.Connect();
            client.Ehlo();
            client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
            client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
            client.Send("DATA").Expect("354");
            client.SendMessage("Subject: ok\r\n\r\nfine\r\n").Expect("250");
            client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
            client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
            client.Send("DATA").Expect("354");
            client.SendMessage("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 40))).Expect("552");
            client.Send("QUIT").Expect("221");
        }

        Assert.Equal("OpenMss.Smtp", SmtpMetrics.MeterName);
        Assert.Contains(measurements, m => m.Name == "openmss.smtp.sessions" && m.Value == 1);
        Assert.Contains(measurements, m => m.Name == "openmss.smtp.messages.accepted" && m.Value == 1);
        Assert.Contains(measurements, m => m.Name == "openmss.smtp.messages.refused" && m.Reason == "size");
        Assert.Contains(measurements, m => m.Name == "openmss.smtp.bytes.received" && m.Value == "Subject: ok\r\n\r\nfine\r\n".Length);
    }
}
