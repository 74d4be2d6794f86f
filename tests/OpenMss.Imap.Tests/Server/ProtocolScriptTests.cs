using System.Text;
using OpenMss.Imap.Server;
using OpenMss.Testing;

namespace OpenMss.Imap.Tests.Server;

/// <summary>Conversations scripted line by line over a real socket: policy, states and bad input.</summary>
public class ProtocolScriptTests
{
    private static string Last(List<string> lines) => lines[^1];

    [Fact]
    public async Task Before_tls_login_is_refused_and_logindisabled_advertised()
    {
        await using var harness = await ImapHarness.StartAsync(ImapTlsMode.StartTls);
        using var client = await harness.ConnectRawAsync(tls: false);

        var capability = await client.CommandAsync("a1", "CAPABILITY");
        Assert.Contains("STARTTLS", capability[0], StringComparison.Ordinal);
        Assert.Contains("LOGINDISABLED", capability[0], StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH=PLAIN", capability[0], StringComparison.Ordinal);

        Assert.StartsWith("a2 NO [PRIVACYREQUIRED]", Last(await client.CommandAsync("a2", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"")), StringComparison.Ordinal);
        Assert.StartsWith("a3 NO [PRIVACYREQUIRED]", Last(await client.CommandAsync("a3", "AUTHENTICATE PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{ImapHarness.User}\0{ImapHarness.Password}")))), StringComparison.Ordinal);
        Assert.StartsWith("a4 BAD", Last(await client.CommandAsync("a4", "SELECT INBOX")), StringComparison.Ordinal);
        Assert.Equal(0, harness.Authenticator.Attempts);
    }

    [Fact]
    public async Task With_passwords_disabled_only_tokens_are_accepted()
    {
        await using var harness = await ImapHarness.StartAsync(configure: o => o.AllowPasswordAuthentication = false);
        using var client = await harness.ConnectRawAsync();

        var capability = (await client.CommandAsync("a1", "CAPABILITY"))[0];
        Assert.Contains("AUTH=OAUTHBEARER", capability, StringComparison.Ordinal);
        Assert.Contains("LOGINDISABLED", capability, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH=PLAIN", capability, StringComparison.Ordinal);
        Assert.StartsWith("a2 NO", Last(await client.CommandAsync("a2", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"")), StringComparison.Ordinal);
        Assert.StartsWith("a3 NO", Last(await client.CommandAsync("a3", "AUTHENTICATE PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{ImapHarness.User}\0{ImapHarness.Password}")))), StringComparison.Ordinal);
        Assert.Equal(0, harness.Authenticator.Attempts);

        // OAUTHBEARER without an initial response: the server asks with "+ ", a bad token gets the RFC 7628 error challenge.
        await client.SendAsync("a4 AUTHENTICATE OAUTHBEARER\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes("n,,\u0001auth=Bearer forged\u0001\u0001")) + "\r\n");
        Assert.StartsWith("+ ey", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync("AQ==\r\n");
        Assert.StartsWith("a4 NO [AUTHENTICATIONFAILED]", Last(await client.ReadUntilTaggedAsync("a4")), StringComparison.Ordinal);
        var good = Convert.ToBase64String(Encoding.UTF8.GetBytes($"n,,\u0001auth=Bearer {ImapHarness.Token}\u0001\u0001"));
        Assert.StartsWith("a5 OK", Last(await client.CommandAsync("a5", "AUTHENTICATE OAUTHBEARER " + good)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plaintext_pipelined_after_starttls_is_discarded()
    {
        await using var harness = await ImapHarness.StartAsync(ImapTlsMode.StartTls);
        using var client = await harness.ConnectRawAsync(tls: false);

        // The injected command would run inside the TLS session if the server kept the buffer.
        await client.SendAsync("a1 STARTTLS\r\na2 CAPABILITY\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.StartTlsAsync();

        var lines = await client.CommandAsync("a3", "CAPABILITY");
        Assert.Equal(2, lines.Count);
        Assert.DoesNotContain(lines, l => l.StartsWith("a2", StringComparison.Ordinal));
        Assert.Contains("AUTH=PLAIN", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("a4 OK", Last(await client.CommandAsync("a4", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_and_wrong_state_commands_get_bad_and_the_session_survives()
    {
        await using var harness = await ImapHarness.StartAsync();
        using var client = await harness.ConnectRawAsync();

        await client.SendAsync("\u0001\u0002garbage(((\r\n");
        Assert.Contains("BAD", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("b1 BAD", Last(await client.CommandAsync("b1", "FROBNICATE")), StringComparison.Ordinal);
        Assert.StartsWith("b2 BAD", Last(await client.CommandAsync("b2", "FETCH 1 FLAGS")), StringComparison.Ordinal);
        Assert.StartsWith("b3 BAD", Last(await client.CommandAsync("b3", "LOGIN onlyuser")), StringComparison.Ordinal);
        Assert.StartsWith("b4 NO [AUTHENTICATIONFAILED]", Last(await client.CommandAsync("b4", "LOGIN dr.martin wrong")), StringComparison.Ordinal);
        Assert.StartsWith("b5 NO [UNAVAILABLE]", Last(await client.CommandAsync("b5", "LOGIN locked whatever")), StringComparison.Ordinal);
        Assert.StartsWith("b6 OK", Last(await client.CommandAsync("b6", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"")), StringComparison.Ordinal);
        Assert.StartsWith("b7 BAD", Last(await client.CommandAsync("b7", "LOGIN again x")), StringComparison.Ordinal);
        Assert.StartsWith("b8 BAD", Last(await client.CommandAsync("b8", "EXPUNGE")), StringComparison.Ordinal);
        Assert.StartsWith("b9 BAD", Last(await client.CommandAsync("b9", "UID LIST \"\" *")), StringComparison.Ordinal);
        Assert.StartsWith("c1 BAD", Last(await client.CommandAsync("c1", "SELECT")), StringComparison.Ordinal);
        Assert.StartsWith("c2 NO [NONEXISTENT]", Last(await client.CommandAsync("c2", "SELECT Nowhere")), StringComparison.Ordinal);
        Assert.StartsWith("c3 OK", Last(await client.CommandAsync("c3", "SELECT INBOX")), StringComparison.Ordinal);
        Assert.StartsWith("c4 BAD", Last(await client.CommandAsync("c4", "FETCH 1 FLAGS")), StringComparison.Ordinal);
        Assert.StartsWith("c5 BAD", Last(await client.CommandAsync("c5", "FETCH 1:* (FLAGS BOGUS)")), StringComparison.Ordinal);
        Assert.StartsWith("c6 BAD", Last(await client.CommandAsync("c6", "SEARCH NONSENSE")), StringComparison.Ordinal);
        Assert.StartsWith("c7 NO [BADCHARSET", Last(await client.CommandAsync("c7", "SEARCH CHARSET KOI8-R ALL")), StringComparison.Ordinal);
        Assert.StartsWith("c8 BAD", Last(await client.CommandAsync("c8", "STORE 1 +FLAGS (\\Bogus)")), StringComparison.Ordinal);
        Assert.StartsWith("c9 OK", Last(await client.CommandAsync("c9", "NOOP")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strings_that_are_not_utf8_get_bad_instead_of_naming_another_folder()
    {
        await using var harness = await ImapHarness.StartAsync();
        using var client = await harness.ConnectRawAsync();
        Assert.StartsWith("a1 OK", Last(await client.CommandAsync("a1", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"")), StringComparison.Ordinal);
        Assert.StartsWith("a2 OK", Last(await client.CommandAsync("a2", "SELECT INBOX")), StringComparison.Ordinal);

        // "Envoy\xE9s" (Latin-1) would become "Envoy\uFFFDs" with a lossy decoder: a quoted string, then a literal.
        await client.SendBytesAsync([.. "a3 CREATE \"Envoy"u8, 0xE9, .. "s\"\r\n"u8]);
        Assert.StartsWith("a3 BAD", Last(await client.ReadUntilTaggedAsync("a3")), StringComparison.Ordinal);
        await client.SendBytesAsync([.. "a4 SEARCH CHARSET UTF-8 BODY {3+}\r\n"u8, 0xC3, 0x28, 0x41, .. "\r\n"u8]);
        Assert.StartsWith("a4 BAD", Last(await client.ReadUntilTaggedAsync("a4")), StringComparison.Ordinal);

        // The same commands in valid UTF-8 work, and the session goes on.
        Assert.StartsWith("a5 OK", Last(await client.CommandAsync("a5", "SEARCH CHARSET UTF-8 BODY \"\u00e9t\u00e9\"")), StringComparison.Ordinal);
        var folders = await client.CommandAsync("a6", "LIST \"\" *");
        Assert.DoesNotContain(folders, line => line.Contains("Envoy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Oversized_literals_and_lines_are_refused_without_reading_them()
    {
        await using var harness = await ImapHarness.StartAsync(configure: o => o.MaxLineLength = 1024);
        using var client = await harness.ConnectRawAsync();
        Assert.StartsWith("a1 OK", Last(await client.CommandAsync("a1", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"")), StringComparison.Ordinal);

        Assert.StartsWith("a2 BAD [TOOBIG]", Last(await client.CommandAsync("a2", "LOGIN {999999999}")), StringComparison.Ordinal);
        Assert.StartsWith("a3 BAD [TOOBIG]", Last(await client.CommandAsync("a3", "APPEND INBOX {99999999999}")), StringComparison.Ordinal);
        await client.SendAsync("a4 NOOP " + new string('x', 5000) + "\r\n");
        Assert.Contains("BAD", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("a5 OK", Last(await client.CommandAsync("a5", "NOOP")), StringComparison.Ordinal);

        // An announced literal within the limits is read after the continuation.
        await client.SendAsync("a6 CREATE {8}\r\n");
        Assert.StartsWith("+ ", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync("Dossiers\r\n");
        Assert.StartsWith("a6 OK", Last(await client.ReadUntilTaggedAsync("a6")), StringComparison.Ordinal);
        Assert.StartsWith("a7 NO [ALREADYEXISTS]", Last(await client.CommandAsync("a7", "CREATE {8+}\r\nDossiers")), StringComparison.Ordinal);

        // Endless empty literals do not grow the session's memory without bound.
        await client.SendAsync("a9 LOGIN " + string.Concat(Enumerable.Repeat("{0+}\r\n", 300)) + "\r\n");
        Assert.StartsWith("* BYE", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_literal_plus_too_large_ends_the_session()
    {
        await using var harness = await ImapHarness.StartAsync();
        using var client = await harness.ConnectRawAsync();
        await client.CommandAsync("a1", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"");

        // A LITERAL+ too large cannot be skipped: the server says goodbye.
        await client.SendAsync("a8 APPEND INBOX {999999999+}\r\n");
        Assert.StartsWith("* BYE", await client.ReadLineAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_with_literal_plus_then_body_fetch_sets_seen_and_peek_does_not()
    {
        await using var harness = await ImapHarness.StartAsync();
        using var client = await harness.ConnectRawAsync();
        await client.CommandAsync("a1", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"");
        var message = Encoding.UTF8.GetString(Messages.Create("Analyse", "Résultat joint."));
        var bytes = Encoding.UTF8.GetByteCount(message);

        var append = Last(await client.CommandAsync("a2", $"APPEND INBOX (\\Flagged) \"05-Mar-2025 09:08:07 +0100\" {{{bytes}+}}\r\n{message}"));
        Assert.Matches(@"^a2 OK \[APPENDUID \d+ 1\]", append);
        var select = await client.CommandAsync("a3", "SELECT INBOX");
        Assert.Contains("* 1 EXISTS", select);
        Assert.Contains(select, l => l.StartsWith("* OK [UIDNEXT 2]", StringComparison.Ordinal));
        Assert.Contains(select, l => l.StartsWith("* OK [PERMANENTFLAGS (", StringComparison.Ordinal));
        Assert.StartsWith("a3 OK [READ-WRITE]", Last(select), StringComparison.Ordinal);

        var peek = await client.CommandAsync("a4", "FETCH 1 (INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Equal("* 1 FETCH (INTERNALDATE \"05-Mar-2025 08:08:07 +0000\" BODY[HEADER.FIELDS (SUBJECT)] {20}", peek[0]);
        Assert.Equal("Subject: Analyse", peek[1]);
        Assert.StartsWith("* 1 FETCH (FLAGS (\\Flagged))", (await client.CommandAsync("a5", "FETCH 1 FLAGS"))[0], StringComparison.Ordinal);

        var body = await client.CommandAsync("a6", "UID FETCH 1 (BODY[TEXT])");
        Assert.StartsWith("* 1 FETCH (UID 1 BODY[TEXT] {", body[0], StringComparison.Ordinal);
        Assert.Equal("Résultat joint.", body[1]);
        Assert.Contains(body, l => l.Contains("FLAGS (\\Flagged \\Seen)", StringComparison.Ordinal));
        Assert.Contains(harness.Audit.Events, e => e.Action == "read" && e.Result == "ok");
        Assert.Contains(harness.Audit.Events, e => e.Action == "append");

        var examine = await client.CommandAsync("a7", "EXAMINE INBOX");
        Assert.StartsWith("a7 OK [READ-ONLY]", Last(examine), StringComparison.Ordinal);
        Assert.StartsWith("a8 NO", Last(await client.CommandAsync("a8", "STORE 1 +FLAGS (\\Deleted)")), StringComparison.Ordinal);
        Assert.StartsWith("a9 NO", Last(await client.CommandAsync("a9", "EXPUNGE")), StringComparison.Ordinal);
        Assert.StartsWith("b1 NO [CANNOT]", Last(await client.CommandAsync("b1", "DELETE INBOX")), StringComparison.Ordinal);
        Assert.StartsWith("b2 NO [TRYCREATE]", Last(await client.CommandAsync("b2", "COPY 1 Nowhere")), StringComparison.Ordinal);
        var list = await client.CommandAsync("b3", "LIST \"\" \"%\"");
        Assert.Contains("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"", list);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"INBOX\"", list);
        var status = await client.CommandAsync("b4", "STATUS INBOX (MESSAGES UNSEEN UIDNEXT)");
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 1 UNSEEN 0 UIDNEXT 2)", status[0]);
        Assert.StartsWith("b5 OK", Last(await client.CommandAsync("b5", "UNSELECT")), StringComparison.Ordinal);
        var logout = await client.CommandAsync("b6", "LOGOUT");
        Assert.StartsWith("* BYE", logout[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_whose_access_is_withdrawn_is_cut_off()
    {
        await using var harness = await ImapHarness.StartAsync();
        using var client = await harness.ConnectRawAsync();
        await client.CommandAsync("a1", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"");
        Assert.StartsWith("a2 OK", Last(await client.CommandAsync("a2", "SELECT INBOX")), StringComparison.Ordinal);

        harness.Authenticator.Revoked.Add("810000000001");
        await client.SendAsync("a3 SELECT INBOX\r\n");

        Assert.StartsWith("* BYE", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task The_host_closes_the_sessions_of_a_removed_member_at_once()
    {
        await using var harness = await ImapHarness.StartAsync();
        using var idler = await harness.ConnectRawAsync();
        using var other = await harness.ConnectRawAsync();
        await idler.CommandAsync("a1", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"");
        await idler.CommandAsync("a2", "SELECT INBOX");
        await idler.SendAsync("a3 IDLE\r\n");
        Assert.StartsWith("+ ", await idler.ReadLineAsync(), StringComparison.Ordinal);

        Assert.Equal(0, harness.Server.CloseSessions("autre@medecin.mssante.fr"));
        Assert.Equal(1, harness.Server.CloseSessions(ImapHarness.Address, "810000000001"));

        Assert.StartsWith("* BYE Access to this mailbox has been withdrawn", await idler.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Null(await idler.ReadLineAsync());
        Assert.StartsWith("b1 OK", Last(await other.CommandAsync("b1", "NOOP")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idle_client_is_logged_out_after_the_timeout()
    {
        // The server's clock is the test's: the timeout fires when the test lets the time pass,
        // never during a TLS handshake that a busy machine makes slow.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var harness = await ImapHarness.StartAsync(time: time);
        using var client = await harness.ConnectRawAsync();

        var bye = client.ReadLineAsync();
        await Eventually.WaitUntilAsync(async () =>
        {
            if (bye.IsCompleted)
            {
                return true;
            }

            time.Advance(new ImapServerOptions().UnauthenticatedTimeout);
            await Task.WhenAny(bye, Task.Delay(25));
            return bye.IsCompleted;
        }, "the autologout");
        Assert.StartsWith("* BYE Autologout", await bye, StringComparison.Ordinal);
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task Sessions_over_the_cap_are_refused()
    {
        await using var harness = await ImapHarness.StartAsync(configure: o => o.MaxSessions = 1);
        using var first = await harness.ConnectRawAsync();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(harness.EndPoint);
        var buffer = new byte[200];
        var read = await tcp.GetStream().ReadAsync(buffer);

        Assert.StartsWith("* BYE Too many connections", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        Assert.StartsWith("a1 OK", Last(await first.CommandAsync("a1", "NOOP")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_and_content_never_reach_the_log_or_the_audit_trail()
    {
        var logger = new CapturingLogger();
        await using var harness = await ImapHarness.StartAsync(ImapTlsMode.StartTls, logger: logger);
        await harness.DeliverAsync("Sujet confidentiel", "Diagnostic secret");
        using var client = await harness.ConnectRawAsync(tls: false);
        await client.CommandAsync("a0", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"");
        await client.SendAsync("a1 STARTTLS\r\n");
        await client.ReadLineAsync();
        await client.StartTlsAsync();
        await client.CommandAsync("a2", $"LOGIN {ImapHarness.User} \"wrong-secret\"");
        await client.CommandAsync("a3", "AUTHENTICATE XOAUTH2 " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"user={ImapHarness.User}\u0001auth=Bearer {ImapHarness.Token}\u0001\u0001")));
        await client.CommandAsync("a4", "SELECT INBOX");
        await client.CommandAsync("a5", "FETCH 1 (ENVELOPE BODY[])");
        await client.CommandAsync("a6", "LOGOUT");
        await harness.Server.StopAsync();

        var everything = string.Join("\n", logger.Lines) + string.Join("\n", harness.Audit.Events.Select(e => e.ToString()));
        Assert.NotEmpty(logger.Lines);
        foreach (var secret in new[] { ImapHarness.Password, "wrong-secret", ImapHarness.Token, "confidentiel", "Diagnostic" })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }

        Assert.Contains(harness.Audit.Events, e => e.Action == "login" && e.Result == "failed");
        Assert.Contains(harness.Audit.Events, e => e.Action == "read" && e.ClientAddress == "127.0.0.1");
    }

    [Fact]
    public async Task The_store_audit_sink_writes_the_audit_trail()
    {
        await using var harness = await ImapHarness.StartAsync();
        var sink = new StoreAuditSink(harness.Store);

        await sink.RecordAsync(new ImapAuditEvent(DateTimeOffset.UtcNow, "810000000001", ImapHarness.Address, "expunge", "ok", "192.0.2.7", "folder=1 uids=3:4"));

        var events = await harness.Store.QueryAuditAsync(new OpenMss.Storage.AuditQuery(Mailbox: ImapHarness.Address));
        var written = Assert.Single(events);
        Assert.Equal("imap.expunge", written.Action);
        Assert.Equal("810000000001", written.Actor);
        Assert.Equal("192.0.2.7", written.ClientAddress);
        Assert.Equal("folder=1 uids=3:4", written.Detail);
    }
}
