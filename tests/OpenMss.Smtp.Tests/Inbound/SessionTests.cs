using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using OpenMss.Smtp.Protocol;
using OpenMss.Smtp.Tests.Support;
using OpenMss.Testing;

namespace OpenMss.Smtp.Tests.Inbound;

/// <summary>The session engine over a real loopback socket, with a policy that accepts everything.</summary>
public class SessionTests
{
    private const string Message = "From: a@pharmacien.mssante.fr\r\nTo: b@medecin.mssante.fr\r\nSubject: test\r\n\r\nHello\r\n";

    [Fact]
    public async Task Ehlo_advertises_the_extensions_of_spec_3_1_and_not_chunking()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy(), o => o.ServerCertificate = TestPki.Medecin.Certificate);
        using var client = harness.Connect();
        var ehlo = client.Ehlo();
        var keywords = ehlo.Keywords.ToList();
        Assert.Equal(["PIPELINING", "SIZE 26214400", "8BITMIME", "ENHANCEDSTATUSCODES", "DSN", "SMTPUTF8", "STARTTLS"], keywords);
        Assert.DoesNotContain(keywords, k => k.StartsWith("CHUNKING", StringComparison.Ordinal));

        client.StartTls(null);
        var afterTls = client.Ehlo().Keywords.ToList();
        Assert.DoesNotContain("STARTTLS", afterTls);
        Assert.Contains("SIZE 26214400", afterTls);
    }

    [Fact]
    public async Task Without_a_certificate_starttls_is_neither_offered_nor_accepted()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy());
        using var client = harness.Connect();
        Assert.DoesNotContain("STARTTLS", client.Ehlo().Keywords);
        client.Send("STARTTLS").Expect("454 4.7.0");
        client.Send("NOOP").Expect("250 2.0.0");
    }

    [Fact]
    public async Task A_whole_transaction_delivers_the_exact_unstuffed_bytes()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy);
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250 2.1.0");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250 2.1.5");
        client.Send("DATA").Expect("354");
        const string body = "Subject: dots\r\n\r\n.hidden line\r\n..two\r\nend\r\n";
        client.SendMessage(body).Expect("250 2.0.0");
        client.Send("QUIT").Expect("221 2.0.0");
        Assert.True(client.IsClosedByServer());

        var (from, to, message) = Assert.Single(policy.Messages);
        Assert.Equal("a@pharmacien.mssante.fr", from);
        Assert.Equal(["b@medecin.mssante.fr"], to);
        Assert.Equal(body, Encoding.UTF8.GetString(message));
    }

    [Fact]
    public async Task Commands_out_of_sequence_get_503_and_change_nothing()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy);
        using var client = harness.Connect();
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("503 5.5.1");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("503 5.5.1");
        client.Send("DATA").Expect("503 5.5.1");
        client.Ehlo();
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("503 5.5.1");
        client.Send("DATA").Expect("503 5.5.1");
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("503 5.5.1");
        client.Send("DATA").Expect("554 5.5.1");
        client.Send("FOO bar").Expect("500 5.5.1");
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr> FOO=1").Expect("503 5.5.1");
        client.Send("RSET").Expect("250");
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr> FOO=1").Expect("555 5.5.4");
        client.Send("MAIL FROM:a@pharmacien.mssante.fr").Expect("501 5.1.7");
        Assert.Empty(policy.Messages);
    }

    [Fact]
    public async Task Rset_ends_the_transaction()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy);
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
        client.Send("RSET").Expect("250 2.0.0");
        client.Send("DATA").Expect("503 5.5.1");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("503 5.5.1");
        client.Send("MAIL FROM:<c@pharmacien.mssante.fr>").Expect("250");
    }

    [Fact]
    public async Task A_600_octet_command_line_gets_500_5_5_2_and_the_session_goes_on()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy());
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("NOOP " + new string('x', 594)).Expect("500 5.5.2");
        client.Send("NOOP").Expect("250 2.0.0");
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
    }

    [Fact]
    public async Task A_megabyte_without_line_break_is_discarded_not_buffered()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy());
        using var client = harness.Connect();
        client.Ehlo();
        var junk = new byte[1024 * 1024];
        junk.AsSpan().Fill((byte)'A');
        client.SendRaw(junk).SendRaw("\r\n");
        client.Expect("500 5.5.2");
        client.Send("NOOP").Expect("250");
    }

    [Fact]
    public async Task Pipelined_commands_are_answered_in_order()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy);
        using var client = harness.Connect();
        client.Ehlo();
        policy.Recipient = (_, rcpt) => rcpt.Recipient.StartsWith("nobody", StringComparison.Ordinal) ? SmtpReplies.UnknownMailbox : SmtpReplies.RecipientOk;
        client.SendRaw("MAIL FROM:<a@pharmacien.mssante.fr>\r\nRCPT TO:<b@medecin.mssante.fr>\r\nRCPT TO:<nobody@medecin.mssante.fr>\r\nRCPT TO:<c@medecin.mssante.fr>\r\nDATA\r\n");
        client.Expect("250 2.1.0");
        client.Expect("250 2.1.5");
        client.Expect("550 5.1.1");
        client.Expect("250 2.1.5");
        client.Expect("354");
        client.SendMessage(Message).Send("MAIL FROM:<> ").Send("RCPT TO:<b@medecin.mssante.fr>").Send("DATA");
        client.Expect("250 2.0.0");
        client.Expect("250 2.1.0");
        client.Expect("250 2.1.5");
        client.Expect("354");
        client.SendMessage(Message).Expect("250 2.0.0");
        client.SendRaw("RSET\r\nNOOP\r\nQUIT\r\n");
        client.Expect("250");
        client.Expect("250");
        client.Expect("221");

        Assert.Equal(2, policy.Messages.Count);
        Assert.Equal(["b@medecin.mssante.fr", "c@medecin.mssante.fr"], policy.Messages.First().To);
    }

    [Fact]
    public async Task Duplicate_recipients_are_accepted_once()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy);
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
        client.Send("RCPT TO:<B@medecin.mssante.fr>").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message).Expect("250");
        Assert.Single(Assert.Single(policy.Messages).To);
    }

    [Fact]
    public async Task An_oversized_message_gets_552_5_3_4_and_nothing_is_delivered()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy, o => o.MaxMessageSize = 64 * 1024);
        using var client = harness.Connect();
        Assert.Contains("SIZE 65536", client.Ehlo().Keywords);
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
        client.Send("DATA").Expect("354");
        var line = new string('x', 76) + "\r\n";
        client.SendMessage("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 2000))).Expect("552 5.3.4");
        client.Send("NOOP").Expect("250");
        Assert.Empty(policy.Messages);

        // The next transaction on the same session is not affected.
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message).Expect("250");
        Assert.Equal(Message, Encoding.UTF8.GetString(Assert.Single(policy.Messages).Message));
    }

    [Fact]
    public async Task A_declared_size_over_the_limit_is_refused_at_mail()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy(), o => o.MaxMessageSize = 64 * 1024);
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr> SIZE=65537").Expect("552 5.3.4");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("503");
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr> SIZE=65536").Expect("250");
    }

    [Fact]
    public async Task Message_lines_over_1000_octets_and_bare_lf_refuse_the_message()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy);
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage("Subject: long\r\n\r\n" + new string('x', 1200) + "\r\n").Expect("554 5.6.0");

        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendRaw("Subject: smuggle\r\n\r\nx\n.\nMAIL FROM:<evil@x.fr>\r\n.\r\n").Expect("554 5.6.0");
        client.Send("NOOP").Expect("250");
        Assert.Empty(policy.Messages);
    }

    [Fact]
    public async Task Recipient_limit_gives_452_beyond_100()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy);
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        var pipelined = new StringBuilder();
        for (var i = 0; i < 101; i++)
        {
            pipelined.Append(System.Globalization.CultureInfo.InvariantCulture, $"RCPT TO:<r{i}@medecin.mssante.fr>\r\n");
        }

        client.SendRaw(pipelined.ToString());
        for (var i = 0; i < 100; i++)
        {
            client.Expect("250 2.1.5");
        }

        client.Expect("452 4.5.3");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message).Expect("250");
        Assert.Equal(100, Assert.Single(policy.Messages).To.Length);
    }

    [Fact]
    public async Task Non_ascii_addresses_need_smtputf8()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy());
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("MAIL FROM:<rené@pharmacien.mssante.fr>").Expect("553 5.6.7");
        client.Send("MAIL FROM:<rené@pharmacien.mssante.fr> SMTPUTF8").Expect("250");
        client.Send("RCPT TO:<chloé@medecin.mssante.fr>").Expect("250");
    }

    [Fact]
    public async Task Vrfy_never_confirms_a_mailbox_and_unimplemented_commands_get_502()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy());
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("VRFY alice").Expect("252 2.5.0");
        client.Send("EXPN staff").Expect("502 5.5.1");
        client.Send("AUTH PLAIN AGFsaWNlAHNlY3JldA==").Expect("502 5.5.1");
        client.Send("BDAT 10 LAST").Expect("502 5.5.1");
        client.Send("HELP").Expect("214");
    }

    [Fact]
    public async Task An_idle_client_gets_421_4_4_2_and_is_disconnected()
    {
        var time = new FakeTimeProvider();
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy(), o => o.TimeProvider = time);
        using var client = harness.Connect();
        client.Ehlo();
        Assert.False(client.HasSomethingToRead);
        await LetTimePassUntilTheServerSpeaksAsync(time, new OpenMss.Smtp.Inbound.SmtpServerOptions().CommandTimeout, client);
        client.Expect("421 4.4.2");
        Assert.True(client.IsClosedByServer());
    }

    [Fact]
    public async Task A_stalled_message_gets_421_4_4_2_and_nothing_is_delivered()
    {
        var policy = new RecordingPolicy();
        var time = new FakeTimeProvider();
        await using var harness = await ServerHarness.StartAsync(policy, o => o.TimeProvider = time);
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendRaw("Subject: half\r\n\r\nhalf a message");
        await LetTimePassUntilTheServerSpeaksAsync(time, new OpenMss.Smtp.Inbound.SmtpServerOptions().DataTimeout, client);
        client.Expect("421 4.4.2");
        Assert.True(client.IsClosedByServer());
        Assert.Empty(policy.Messages);
    }

    [Fact]
    public async Task Sessions_beyond_the_limit_get_421_4_7_0()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy(), o => o.MaxSessions = 2);
        using var first = harness.Connect();
        using var second = harness.Connect();
        using (var third = harness.Connect(greeting: "421 4.7.0"))
        {
            Assert.True(third.IsClosedByServer());
        }

        first.Send("QUIT").Expect("221");
        Assert.True(first.IsClosedByServer());

        // The slot is free again once the first session has ended.
        await WaitForActiveSessionsAsync(harness, 1);

        using var fourth = harness.Connect();
        fourth.Send("NOOP").Expect("250");
        second.Send("NOOP").Expect("250");
    }

    [Fact]
    public async Task One_address_cannot_take_every_session_when_a_per_address_limit_is_set()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy(), o => o.MaxSessionsPerAddress = 2);
        using var first = harness.Connect();
        using var second = harness.Connect();
        using (var third = harness.Connect(greeting: "421 4.7.0 Too many concurrent connections from your address"))
        {
            Assert.True(third.IsClosedByServer());
        }

        // Another host is still served (127.0.0.2 is loopback too).
        using (var other = new System.Net.Sockets.TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0)))
        {
            await other.ConnectAsync(harness.EndPoint);
            using var reader = new StreamReader(other.GetStream());
            Assert.StartsWith("220 ", await reader.ReadLineAsync(), StringComparison.Ordinal);
        }

        first.Send("QUIT").Expect("221");
        Assert.True(first.IsClosedByServer());
        await WaitForActiveSessionsAsync(harness, 1);

        // The address's slot is free again once its session has ended.
        using var fourth = harness.Connect();
        fourth.Send("NOOP").Expect("250");
        second.Send("NOOP").Expect("250");
    }

    [Fact]
    public async Task Too_many_bad_commands_end_the_session()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy(), o => o.MaxErrors = 3);
        using var client = harness.Connect();
        client.Send("FOO").Expect("500");
        client.Send("BAR").Expect("500");
        client.Send("BAZ").Expect("500");
        client.Expect("421 4.7.0");
        Assert.True(client.IsClosedByServer());
    }

    [Fact]
    public async Task A_failing_policy_gives_451_and_the_session_survives()
    {
        var policy = new RecordingPolicy { ThrowOnMessage = true };
        await using var harness = await ServerHarness.StartAsync(policy);
        using var client = harness.Connect();
        client.Ehlo();
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
        client.Send("DATA").Expect("354");
        client.SendMessage(Message).Expect("451 4.3.0");
        client.Send("NOOP").Expect("250");
    }

    [Fact]
    public async Task Plaintext_pipelined_after_starttls_is_discarded()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy(), o => o.ServerCertificate = TestPki.Medecin.Certificate);
        using var client = harness.Connect();
        client.Ehlo();

        // A man in the middle appends commands to the client's STARTTLS (CVE-2011-0411).
        client.SendRaw("STARTTLS\r\nEHLO injected.example\r\nHELP\r\n");
        client.Expect("220 2.0.0");
        client.HandshakeOnly(null);

        // Had the injected EHLO and HELP run inside TLS, their replies would come first, and
        // MAIL would be accepted without a new EHLO.
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("503 5.5.1");
        client.Send("NOOP").Expect("250 2.0.0");
        client.Ehlo();
        client.Send("STARTTLS").Expect("503 5.5.1");
    }

    [Fact]
    public async Task Starttls_negotiates_tls_1_2_or_1_3_only()
    {
        await using var harness = await ServerHarness.StartAsync(new RecordingPolicy(), o => o.ServerCertificate = TestPki.Medecin.Certificate);
        using var client = harness.Connect();
        client.Ehlo();
        client.StartTls(null);
        Assert.True(client.Tls!.SslProtocol is System.Security.Authentication.SslProtocols.Tls12 or System.Security.Authentication.SslProtocols.Tls13);

        using var old = harness.Connect();
        old.Ehlo();
        old.Send("STARTTLS").Expect("220");
#pragma warning disable SYSLIB0039 // TLS 1.1 on purpose: the server must refuse it.
        Assert.ThrowsAny<Exception>(() => old.HandshakeOnly(null, System.Security.Authentication.SslProtocols.Tls11));
#pragma warning restore SYSLIB0039
    }

    [Fact]
    public async Task Stopping_tells_idle_sessions_421_and_lets_a_transaction_finish()
    {
        var policy = new RecordingPolicy { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var harness = await ServerHarness.StartAsync(policy);
        using var idle = harness.Connect();
        idle.Ehlo();
        using var busy = harness.Connect();
        busy.Ehlo();
        busy.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
        busy.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
        busy.Send("DATA").Expect("354");
        busy.SendMessage(Message);
        await policy.DataReached.Task.WaitAsync(Eventually.DefaultDeadline);

        var stopping = harness.Server.StopAsync();
        idle.Expect("421 4.3.2");
        Assert.True(idle.IsClosedByServer());
        Assert.False(stopping.IsCompleted);

        policy.Gate.SetResult();
        busy.Expect("250 2.0.0");
        busy.Expect("421 4.3.2");
        await stopping.WaitAsync(Eventually.DefaultDeadline);
        Assert.Single(policy.Messages);
        Assert.Throws<System.Net.Sockets.SocketException>(() => harness.Connect());
    }

    [Fact]
    public async Task A_message_never_carries_bytes_of_an_earlier_one()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy);
        var large = "Subject: first\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('A', 70) + "\r\n", 500));
        const string small = "Subject: second\r\n\r\nb\r\n";
        foreach (var message in new[] { large, small, small })
        {
            using var client = harness.Connect();
            client.Ehlo();
            client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
            client.Send("RCPT TO:<b@medecin.mssante.fr>").Expect("250");
            client.Send("DATA").Expect("354");
            client.SendMessage(message).Expect("250");
        }

        Assert.Equal([large, small, small], policy.Messages.Select(m => Encoding.UTF8.GetString(m.Message)));
    }

    [Fact]
    public async Task Helo_works_without_extensions()
    {
        var policy = new RecordingPolicy();
        await using var harness = await ServerHarness.StartAsync(policy);
        using var client = harness.Connect();
        var helo = client.Send("HELO legacy.example").Expect("250 mx.medecin.mssante.fr");
        Assert.Single(helo.Lines);
        client.Send("MAIL FROM:<a@pharmacien.mssante.fr>").Expect("250");
    }

    /// <summary>
    /// Moves the server's clock on by <paramref name="step"/> until the server writes something: the
    /// timeout fires when the test says, however long the server took to arm it.
    /// </summary>
    private static Task LetTimePassUntilTheServerSpeaksAsync(FakeTimeProvider time, TimeSpan step, SmtpTestClient client) =>
        Eventually.WaitUntilAsync(() =>
        {
            if (client.HasSomethingToRead)
            {
                return true;
            }

            time.Advance(step);
            return false;
        }, "the server's timeout");

    private static Task WaitForActiveSessionsAsync(ServerHarness harness, int atMost) =>
        Eventually.WaitUntilAsync(() => harness.Server.ActiveSessions <= atMost, $"at most {atMost} active session(s)");
}
