using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using OpenMss.Sasl;
using OpenMss.Smtp.Inbound.Submission;
using OpenMss.Smtp.Tests.Support;
using OpenMss.Storage;
using OpenMss.Testing;
using static OpenMss.Smtp.Tests.Submission.SubmissionHarness;

namespace OpenMss.Smtp.Tests.Submission;

/// <summary>The submission service driven by MailKit, a raw client and Python's smtplib, over real TLS.</summary>
public class SubmissionTests
{
    private static SmtpClient NewClient(TestCredential? certificate = null)
    {
        var client = new SmtpClient
        {
            LocalDomain = "poste-1.pharmacie.example",
            Timeout = 60000,
            ServerCertificateValidationCallback = (_, _, _, _) => true,
        };
        if (certificate is not null)
        {
            client.ClientCertificates = new X509CertificateCollection { certificate.Certificate };
        }

        return client;
    }

    private static async Task<SmtpClient> ConnectAsync(SubmissionHarness harness, TestCredential? certificate = null, SecureSocketOptions security = SecureSocketOptions.StartTls)
    {
        var client = NewClient(certificate);
        await client.ConnectAsync(harness.EndPoint.Address.ToString(), harness.EndPoint.Port, security);
        return client;
    }

    private static MimeMessage NewMessage(string from, string to, string subject = "Ordonnance de Mme Durand")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Bonjour,\nl'ordonnance est prête.\n" };
        return message;
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task A_professional_authenticated_with_PLAIN_sends_as_their_own_mailbox_and_gets_a_Sent_copy()
    {
        await using var harness = await StartAsync();
        using var client = await ConnectAsync(harness);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        Assert.Contains("OAUTHBEARER", client.AuthenticationMechanisms);
        Assert.DoesNotContain("EXTERNAL", client.AuthenticationMechanisms);

        await client.AuthenticateAsync(new SaslMechanismPlain("810000000001", TestAuthenticator.AnnePassword));
        var response = await client.SendAsync(NewMessage(Anne, Martin));
        await client.DisconnectAsync(true);

        Assert.Contains("accepted", response, StringComparison.Ordinal);
        var submitted = Assert.Single(harness.Submitted);
        Assert.Equal(Anne, submitted.From);
        Assert.Equal([Martin], submitted.To);
        Assert.DoesNotContain("Sender:", Encoding.UTF8.GetString(submitted.Raw), StringComparison.Ordinal);
        var sent = Assert.Single(await harness.FolderAsync(Anne, StandardFolders.Sent));
        Assert.Equal(submitted.Raw, sent.Raw);
        Assert.True(sent.Flags.HasFlag(MessageFlags.Seen));
        Assert.Single(await harness.FolderAsync(Martin, StandardFolders.Inbox));
        var audit = await harness.Store.QueryAuditAsync(new AuditQuery(Actor: "810000000001"));
        Assert.Equal([("send", "ok", Anne), ("auth", "ok", null)], audit.Select(e => (e.Action, e.Result, e.Mailbox)));
        Assert.All(audit, e => Assert.Equal("127.0.0.1", e.ClientAddress));
        Assert.DoesNotContain(audit, e => (e.Detail ?? string.Empty).Contains("Ordonnance", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LOGIN_works_and_the_RFC_4954_exchange_is_base64_challenges()
    {
        await using var harness = await StartAsync();
        using var client = await ConnectAsync(harness);
        client.AuthenticationMechanisms.Remove("PLAIN");

        await client.AuthenticateAsync(new SaslMechanismLogin(Anne, TestAuthenticator.AnnePassword));
        await client.SendAsync(NewMessage(Anne, Martin));

        Assert.Single(harness.Submitted);

        using var raw = harness.ConnectTls();
        raw.Send("AUTH LOGIN").Expect("334 VXNlcm5hbWU6");
        raw.Send(Base64(Paul)).Expect("334 UGFzc3dvcmQ6");
        raw.Send(Base64(TestAuthenticator.PaulPassword)).Expect("235 2.7.0");
        raw.Send("AUTH PLAIN " + Base64("\0" + Paul + "\0" + TestAuthenticator.PaulPassword)).Expect("503 5.5.1");
    }

    [Fact]
    public async Task Authentication_is_neither_offered_nor_accepted_before_TLS_and_MAIL_needs_it()
    {
        await using var harness = await StartAsync();
        using var plain = SmtpTestClient.Connect(harness.EndPoint);

        var ehlo = plain.Ehlo();
        Assert.DoesNotContain(ehlo.Keywords, k => k.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.Contains("STARTTLS", ehlo.Keywords);
        plain.Send("AUTH PLAIN " + Base64("\0" + Anne + "\0" + TestAuthenticator.AnnePassword)).Expect("530 5.7.0 Must issue a STARTTLS command first");

        using var tls = harness.ConnectTls();
        tls.Send("MAIL FROM:<" + Anne + ">").Expect("530 5.7.0 Authentication required");
        tls.Send("AUTH CRAM-MD5").Expect("504 5.5.4");
        tls.Send("AUTH PLAIN").Expect("334");
        tls.Send("*").Expect("501 5.0.0");
        tls.Send("AUTH PLAIN !!notbase64!!").Expect("501");
        Assert.Empty(await harness.Store.QueryAuditAsync(new AuditQuery(Actor: "810000000001")));
    }

    [Fact]
    public async Task Wrong_passwords_get_535_then_the_account_is_rate_limited_with_454_even_with_the_right_password()
    {
        await using var harness = await StartAsync();
        using var client = harness.ConnectTls();

        for (var i = 0; i < 5; i++)
        {
            client.Send("AUTH PLAIN " + Base64("\0" + Anne + "\0wrong-" + i)).Expect("535 5.7.8");
        }

        client.Send("AUTH PLAIN " + Base64("\0" + Anne + "\0" + TestAuthenticator.AnnePassword)).Expect("454 4.7.0 Too many failed attempts");

        // Another account from the same address is not locked yet.
        client.Send("AUTH PLAIN " + Base64("\0" + Paul + "\0" + TestAuthenticator.PaulPassword)).Expect("235");
        var audit = await harness.Store.QueryAuditAsync(new AuditQuery(Actor: Anne));
        Assert.Equal(5, audit.Count(e => e is { Action: "auth", Result: "failed" }));
        Assert.Single(audit, e => e is { Action: "auth", Result: "rate_limited" });
    }

    [Fact]
    public async Task An_unreachable_identity_provider_is_a_temporary_454_and_does_not_count_as_a_failure()
    {
        await using var harness = await StartAsync();
        harness.Authenticator.Unavailable = true;
        using var client = harness.ConnectTls();

        for (var i = 0; i < 6; i++)
        {
            client.Send("AUTH PLAIN " + Base64("\0" + Anne + "\0" + TestAuthenticator.AnnePassword)).Expect("454 4.7.0 Temporary authentication failure");
        }

        harness.Authenticator.Unavailable = false;
        client.Send("AUTH PLAIN " + Base64("\0" + Anne + "\0" + TestAuthenticator.AnnePassword)).Expect("235");

        // Each attempt that could not be checked is in the audit trail, with the client address.
        var audit = await harness.Store.QueryAuditAsync(new AuditQuery(Actor: Anne));
        Assert.Equal(6, audit.Count(e => e is { Action: "auth", Result: "error" }));
        Assert.All(audit.Where(e => e.Result == "error"), e => Assert.Equal("127.0.0.1", e.ClientAddress));
    }

    [Fact]
    public async Task A_SASL_response_over_12288_octets_is_refused_and_the_session_goes_on()
    {
        await using var harness = await StartAsync();
        using var client = harness.ConnectTls();

        client.Send("AUTH PLAIN").Expect("334");
        client.Send(new string('A', 13000)).Expect("500 5.5.6");
        client.Send("AUTH PLAIN " + Base64("\0" + Anne + "\0" + TestAuthenticator.AnnePassword)).Expect("235");
        client.Send("NOOP").Expect("250");
    }

    [Fact]
    public async Task An_application_certificate_cannot_name_a_personal_mailbox_as_authzid()
    {
        await using var harness = await StartAsync();
        using var client = harness.ConnectTls(TestPki.LaboApplication);

        client.Send("AUTH EXTERNAL " + Base64(Anne)).Expect("535 5.7.8 Not authorized");
        client.Send("AUTH EXTERNAL " + Base64(Labo)).Expect("235");
        client.Send("MAIL FROM:<" + Anne + ">").Expect("550 5.7.1");
        client.Send("MAIL FROM:<" + Labo + ">").Expect("250");
    }

    [Fact]
    public async Task Sending_as_someone_else_is_refused_in_the_envelope_and_in_the_From_header()
    {
        await using var harness = await StartAsync();
        using var client = await ConnectAsync(harness);
        await client.AuthenticateAsync(new SaslMechanismPlain(Anne, TestAuthenticator.AnnePassword));

        var envelope = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage(Paul, Martin)));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, envelope.StatusCode);
        Assert.Contains("5.7.1", envelope.Message + " 5.7.1", StringComparison.Ordinal);

        var header = await Assert.ThrowsAsync<SmtpCommandException>(() =>
            client.SendAsync(NewMessage(Paul, Martin), MailboxAddress.Parse(Anne), [MailboxAddress.Parse(Martin)]));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, header.StatusCode);
        Assert.Contains("From: header", header.Message, StringComparison.Ordinal);

        // Without authzid, the shared mailbox is not reachable even for a member.
        await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage(Pharmacy, Martin)));
        Assert.Empty(harness.Submitted);
        Assert.Empty(await harness.FolderAsync(Martin, StandardFolders.Inbox));

        using var raw = harness.ConnectTls();
        raw.Send("AUTH PLAIN " + Base64("\0" + Anne + "\0" + TestAuthenticator.AnnePassword)).Expect("235");
        raw.Send("MAIL FROM:<" + Paul + ">").Expect("550 5.7.1");
        raw.Send("MAIL FROM:<>").Expect("550 5.7.1");
        raw.Send("MAIL FROM:<inconnu@pharmacien.mssante.fr>").Expect("550 5.7.1");
        raw.Send("MAIL FROM:<" + Anne + ">").Expect("250");
        raw.Send("RCPT TO:<inconnu@pharmacien.mssante.fr>").Expect("550 5.1.1");
        raw.Send("RCPT TO:<DR.MARTIN@pharmacien.mssante.fr>").Expect("250");
        raw.Send("RCPT TO:<dr.durand@medecin.mssante.fr>").Expect("250");
        Assert.Equal(6, (await harness.Store.QueryAuditAsync(new AuditQuery(Actor: "810000000001"))).Count(e => e is { Action: "send", Result: "denied" }));
    }

    [Fact]
    public async Task A_message_stage_refusal_after_data_is_the_reply_and_nothing_is_submitted()
    {
        await using var harness = await StartAsync(messageStages: [new RefusesTaggedMessages()]);
        using var raw = harness.ConnectTls();
        raw.Send("AUTH PLAIN " + Base64("\0" + Anne + "\0" + TestAuthenticator.AnnePassword)).Expect("235");
        raw.Send("MAIL FROM:<" + Anne + ">").Expect("250");
        raw.Send("RCPT TO:<" + Martin + ">").Expect("250");
        raw.Send("DATA").Expect("354");
        raw.SendMessage($"From: <{Anne}>\r\nTo: <{Martin}>\r\nX-Conversation: closed\r\nSubject: Suivi\r\n\r\nBonjour\r\n").Expect("550 5.7.1");

        Assert.Empty(harness.Submitted);
        Assert.Empty(await harness.FolderAsync(Martin, StandardFolders.Inbox));
        Assert.Contains(await harness.Store.QueryAuditAsync(new AuditQuery(Actor: "810000000001")), e => e is { Action: "send", Result: "denied" });

        raw.Send("MAIL FROM:<" + Anne + ">").Expect("250");
        raw.Send("RCPT TO:<" + Martin + ">").Expect("250");
        raw.Send("DATA").Expect("354");
        raw.SendMessage($"From: <{Anne}>\r\nTo: <{Martin}>\r\nSubject: Suivi\r\n\r\nBonjour\r\n").Expect("250");
        Assert.Single(harness.Submitted);
    }

    private sealed class RefusesTaggedMessages : OpenMss.Smtp.Acceptance.IMessagePolicy
    {
        private static readonly OpenMss.Smtp.Protocol.SmtpReply Closed = new(550, "5.7.1", "This conversation is closed", "conversation_closed");

        public ValueTask<OpenMss.Smtp.Protocol.SmtpReply?> CheckMessageAsync(
            OpenMss.Smtp.Acceptance.AcceptanceEnvelope envelope, OpenMss.Smtp.Acceptance.AcceptanceRecipient recipient, HeaderList headers, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(headers.Contains("X-Conversation") ? Closed : null);
    }

    [Fact]
    public async Task A_member_sends_as_the_organisational_mailbox_with_authzid_and_Sender_names_them()
    {
        await using var harness = await StartAsync();
        using var client = await ConnectAsync(harness);
        await client.AuthenticateAsync(new SaslMechanismPlain("810000000001", TestAuthenticator.AnnePassword) { AuthorizationId = Pharmacy });
        var message = NewMessage(Pharmacy, Martin);
        message.Headers.Add("Sender", "pirate@pirate.mssante.fr");

        await client.SendAsync(message, MailboxAddress.Parse(Pharmacy), [MailboxAddress.Parse(Martin)]);

        var submitted = Assert.Single(harness.Submitted);
        Assert.Equal(Pharmacy, submitted.From);
        var parsed = MimeMessage.Load(new MemoryStream(submitted.Raw));
        Assert.Equal("anne@pharmacien.mssante.fr", parsed.Sender!.Address);
        Assert.Equal("Anne Dupont (810000000001)", parsed.Sender!.Name);
        Assert.Single(parsed.Headers, h => h.Id == HeaderId.Sender);
        Assert.Equal("l'ordonnance est prête.", parsed.TextBody!.Split('\n')[1].TrimEnd('\r'));
        Assert.Equal(submitted.Raw, Assert.Single(await harness.FolderAsync(Pharmacy, StandardFolders.Sent)).Raw);
        Assert.Empty(await harness.FolderAsync(Anne, StandardFolders.Sent));
        Assert.Equal(submitted.Raw, Assert.Single(await harness.FolderAsync(Martin, StandardFolders.Inbox)).Raw);
        var send = Assert.Single(await harness.Store.QueryAuditAsync(new AuditQuery(Mailbox: Pharmacy, Actor: "810000000001")), e => e.Action == "send");
        Assert.Equal("ok", send.Result);

        // Removal takes effect at once, even on the open session.
        await harness.Store.RemoveMemberAsync(Pharmacy, "810000000001", new MembershipAudit("admin"));
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage(Pharmacy, Martin)));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, refused.StatusCode);
        Assert.Single(harness.Submitted);
    }

    [Fact]
    public async Task A_non_member_cannot_take_the_organisational_mailbox_as_authzid()
    {
        await using var harness = await StartAsync();
        using var client = await ConnectAsync(harness);

        var error = await Assert.ThrowsAsync<AuthenticationException>(() =>
            client.AuthenticateAsync(new SaslMechanismPlain(Paul, TestAuthenticator.PaulPassword) { AuthorizationId = Pharmacy }));

        Assert.Contains("Not authorized", error.Message, StringComparison.Ordinal);
        var denied = Assert.Single(await harness.Store.QueryAuditAsync(new AuditQuery(Actor: "810000000002")));
        Assert.Equal(("auth", "denied", Pharmacy), (denied.Action, denied.Result, denied.Mailbox));
    }

    [Fact]
    public async Task An_application_certificate_with_EXTERNAL_sends_as_its_APP_mailbox_only()
    {
        await using var harness = await StartAsync();
        using var client = await ConnectAsync(harness, TestPki.LaboApplication);
        Assert.Contains("EXTERNAL", client.AuthenticationMechanisms);

        await client.AuthenticateAsync(new SaslMechanismExternal());
        await client.SendAsync(NewMessage(Labo, Martin, "Résultats d'analyse"));
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage(Anne, Martin)));

        Assert.Equal(SmtpStatusCode.MailboxUnavailable, refused.StatusCode);
        Assert.Contains("application certificate", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Labo, Assert.Single(harness.Submitted).From);
        Assert.Single(await harness.FolderAsync(Labo, StandardFolders.Sent));
        Assert.Contains(await harness.Store.QueryAuditAsync(new AuditQuery(Actor: Labo)), e => e is { Action: "auth", Result: "ok", Detail: "EXTERNAL" });

        // Without a certificate, EXTERNAL is not offered and fails.
        using var raw = harness.ConnectTls();
        raw.Send("AUTH EXTERNAL =").Expect("535 5.7.8");
    }

    [Fact]
    public async Task OAUTHBEARER_and_XOAUTH2_tokens_are_accepted_and_a_bad_token_gets_an_error_challenge_then_535()
    {
        await using var harness = await StartAsync();
        // The RFC 7628 exchange is driven by hand here, with an authzid, host and port; MailKit's
        // "port=-1" form is one of the shared SASL cases (OpenMss.Testing.Sasl.SaslCases).
        using (var bearer = harness.ConnectTls())
        {
            bearer.Send("AUTH OAUTHBEARER " + Convert.ToBase64String(OAuthBearerMessage.Format(TestAuthenticator.AnneToken, Anne, "smtp.pharmacien.mssante.fr", 587))).Expect("235 2.7.0");
            bearer.Send("MAIL FROM:<" + Anne + ">").Expect("250");
            bearer.Send("RCPT TO:<" + Martin + ">").Expect("250");
            bearer.Send("DATA").Expect("354");
            bearer.SendMessage("From: " + Anne + "\r\nTo: " + Martin + "\r\nSubject: x\r\n\r\nBonjour\r\n").Expect("250");
        }

        using (var client = await ConnectAsync(harness))
        {
            await client.AuthenticateAsync(new SaslMechanismOAuth2(Pharmacy, TestAuthenticator.AnneToken));
            await client.SendAsync(NewMessage(Pharmacy, Martin));
        }

        Assert.Equal([Anne, Pharmacy], harness.Submitted.Select(s => s.From));

        using var raw = harness.ConnectTls();
        var challenge = raw.Send("AUTH OAUTHBEARER " + Convert.ToBase64String(OAuthBearerMessage.Format("forged-token"))).Expect("334");
        Assert.Contains("invalid_token", Encoding.UTF8.GetString(Convert.FromBase64String(challenge.Lines[0][4..])), StringComparison.Ordinal);
        raw.Send("AQ==").Expect("535 5.7.8");
    }

    [Fact]
    public async Task Implicit_TLS_listener_serves_submission_from_the_first_octet()
    {
        await using var harness = await StartAsync(implicitTls: true);
        using var client = await ConnectAsync(harness, security: SecureSocketOptions.SslOnConnect);
        Assert.True(client.IsSecure);
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));

        await client.AuthenticateAsync(Anne, TestAuthenticator.AnnePassword);
        await client.SendAsync(NewMessage(Anne, Martin));

        Assert.Single(harness.Submitted);
    }

    [Fact]
    public async Task A_plaintext_client_on_the_implicit_TLS_port_gets_no_greeting_and_is_cut_off()
    {
        await using var harness = await StartAsync(implicitTls: true);
        using var client = SmtpTestClient.Connect(harness.EndPoint, greeting: null);

        client.SendRaw("EHLO client.example\r\nAUTH PLAIN " + Base64("\0" + Anne + "\0" + TestAuthenticator.AnnePassword) + "\r\n");

        Assert.True(client.IsClosedByServer(TimeSpan.FromSeconds(10)));
        Assert.Empty(await harness.Store.QueryAuditAsync(new AuditQuery(Actor: "810000000001")));
    }

    [Fact]
    public async Task Python_smtplib_sends_over_SMTP_SSL_with_login()
    {
        await using var harness = await StartAsync(implicitTls: true);
        var script = $$"""
            import smtplib, ssl
            from email.message import EmailMessage
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            m = EmailMessage()
            m["From"] = "{{Anne}}"
            m["To"] = "{{Martin}}"
            m["Subject"] = "Depuis Python"
            m.set_content("Bonjour")
            with smtplib.SMTP_SSL("127.0.0.1", {{harness.EndPoint.Port}}, context=ctx, timeout=15) as s:
                s.login("{{Anne}}", "{{TestAuthenticator.AnnePassword}}")
                s.send_message(m)
            print("sent")
            """;
        var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, error);
        Assert.Equal("sent", output.Trim());
        Assert.Equal(Anne, Assert.Single(harness.Submitted).From);
    }

    [Fact]
    public async Task No_password_or_token_reaches_the_logs()
    {
        await using var harness = await StartAsync();
        using (var client = await ConnectAsync(harness))
        {
            await client.AuthenticateAsync(new SaslMechanismPlain(Anne, TestAuthenticator.AnnePassword));
            await client.SendAsync(NewMessage(Anne, Martin));
        }

        using (var client = await ConnectAsync(harness))
        {
            await client.AuthenticateAsync(new SaslMechanismOAuth2(Anne, TestAuthenticator.AnneToken));
        }

        using (var raw = harness.ConnectTls())
        {
            raw.Send("AUTH PLAIN " + Base64("\0" + Anne + "\0" + "Secret-Wrong-Password")).Expect("535");
            raw.Send("AUTH LOGIN " + Base64(Anne)).Expect("334");
            raw.Send(Base64("Another-Secret")).Expect("535");

            // A patient's login is their INS: a failed attempt must not write it to the logs.
            raw.Send("AUTH PLAIN " + Base64("\0" + "279035121518989" + "\0" + "x")).Expect("535");
        }

        Assert.NotEmpty(harness.Logs.Lines);
        Assert.Contains(harness.Logs.Lines, l => l.Contains("PLAIN authentication of 810000000001 succeeded", StringComparison.Ordinal));
        foreach (var secret in new[] { TestAuthenticator.AnnePassword, TestAuthenticator.AnneToken, "Secret-Wrong-Password", "Another-Secret", Base64("Another-Secret"), "Ordonnance", "279035121518989" })
        {
            Assert.DoesNotContain(harness.Logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        }

        var audit = await harness.Store.QueryAuditAsync(new AuditQuery());
        Assert.DoesNotContain(audit, e => $"{e.Actor} {e.Detail}".Contains("Secret", StringComparison.Ordinal));
    }

    /// <summary>RFC 4422 Appendix A <c>EXTERNAL</c>, which MailKit does not ship: the identity is the TLS client certificate.</summary>
    private sealed class SaslMechanismExternal() : SaslMechanism(new NetworkCredential())
    {
        public override string MechanismName => "EXTERNAL";

        public override bool SupportsInitialResponse => true;

        protected override byte[] Challenge(byte[]? token, int startIndex, int length, CancellationToken cancellationToken)
        {
            IsAuthenticated = true;
            return [];
        }
    }
}

public class SenderHeaderTests
{
    [Fact]
    public void Sender_fields_given_by_the_client_are_replaced_and_the_body_left_untouched()
    {
        var message = "From: pharmacie@pharmacien.mssante.fr\r\nSender: pirate@x.fr\r\n (folded)\r\nSubject: a\r\nsender: again@x.fr\r\n\r\nSender: not a header\r\n";

        var result = Encoding.UTF8.GetString(SenderHeader.Replace(Encoding.UTF8.GetBytes(message), SenderHeader.Format("Anne Dupont (810000000001)", "anne@pharmacien.mssante.fr")));

        Assert.Equal(
            "From: pharmacie@pharmacien.mssante.fr\r\nSubject: a\r\nSender: \"Anne Dupont (810000000001)\" <anne@pharmacien.mssante.fr>\r\n\r\nSender: not a header\r\n",
            result);
    }

    [Fact]
    public void From_addresses_are_read_from_the_header_only()
    {
        var message = "Subject: x\r\nFrom: \"Pharmacie\" <Pharmacie@pharmacien.mssante.fr>, b@c.fr\r\n\r\nFrom: body@evil.fr\r\n"u8.ToArray();

        Assert.Equal(["Pharmacie@pharmacien.mssante.fr", "b@c.fr"], SenderHeader.FromAddresses(message));
        Assert.Empty(SenderHeader.FromAddresses("Subject: none\r\n\r\nbody"u8.ToArray()));
    }
}
