using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit.Net.Imap;
using MailKit.Security;
using OpenMss.Core;
using OpenMss.Imap.Server;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.Imap.Tests.Server;

/// <summary>A real IMAP server on an ephemeral port over a real store (SQLite unless a test asks for PostgreSQL), with a test authenticator and audit sink.</summary>
internal sealed class ImapHarness : IAsyncDisposable
{
    public const string Address = "dr.martin@medecin.mssante.fr";
    public const string User = "dr.martin";
    public const string Password = "correct horse";
    public const string Token = "valid-access-token";

    private ImapHarness(TestMailStore testStore, ImapServer server, MailboxRecord mailbox, TestAuthenticator authenticator, RecordingAudit audit)
    {
        TestStore = testStore;
        Server = server;
        Mailbox = mailbox;
        Authenticator = authenticator;
        Audit = audit;
    }

    public TestMailStore TestStore { get; }

    /// <summary>The real store (the test wrapper does not forward the IMAP members).</summary>
    public IMailStore Store => TestStore.Store;

    public ImapServer Server { get; }

    public MailboxRecord Mailbox { get; }

    public TestAuthenticator Authenticator { get; }

    public RecordingAudit Audit { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoint;

    public static async Task<ImapHarness> StartAsync(ImapTlsMode mode = ImapTlsMode.Implicit, Action<ImapServerOptions>? configure = null, Microsoft.Extensions.Logging.ILogger<ImapServer>? logger = null, StoreBackend backend = StoreBackend.Sqlite, TimeProvider? time = null)
    {
        var testStore = await TestStores.CreateAsync(backend);
        var mailbox = await testStore.Store.CreateMailboxAsync(new NewMailbox(Address, MailboxKind.Personal, "Dr Martin", "810000000001"));
        var options = new ImapServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            TlsMode = mode,
            ServerCertificate = TestPki.Medecin.Certificate,
            HostName = "imap.medecin.mssante.fr",
            AllowPasswordAuthentication = true,
            IdlePollInterval = TimeSpan.FromSeconds(30),
        };
        configure?.Invoke(options);
        var authenticator = new TestAuthenticator();
        var audit = new RecordingAudit();
        var server = new ImapServer(options, testStore.Store, testStore.Store, testStore.Store, authenticator, audit, logger, time);
        await server.StartAsync();
        return new ImapHarness(testStore, server, mailbox, authenticator, audit) { Mode = mode };
    }

    public async Task<long> InboxIdAsync() => (await Store.FindFolderAsync(Mailbox.Id, "INBOX"))!.Id;

    public async Task<long> DeliverAsync(string subject = "Compte rendu", string body = "Patient suivi.", string from = "labo@medecin.mssante.fr")
    {
        var refs = await Store.DeliverAsync(new InboundMessage(from, [Address], Messages.Create(subject, body, from), DateTimeOffset.UtcNow));
        return refs[0].Uid;
    }

    /// <summary>A MailKit client, logged in, trusting the test anchor only.</summary>
    public async Task<ImapClient> ConnectAsync(bool login = true)
    {
        var client = NewClient();
        await client.ConnectAsync(EndPoint.Address.ToString(), EndPoint.Port,
            Mode == ImapTlsMode.Implicit ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls);
        if (login)
        {
            await client.AuthenticateAsync(User, Password);
        }

        return client;
    }

    public ImapTlsMode Mode { get; init; } = ImapTlsMode.Implicit;

    public static ImapClient NewClient() => new() { Timeout = 60000, ServerCertificateValidationCallback = ChainsToTestAnchor, CheckCertificateRevocation = false };

    /// <summary>Validates the server's chain against the test trust anchor (the name is checked by Trust's own tests).</summary>
    public static bool ChainsToTestAnchor(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(TestPki.Anchor);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(new X509Certificate2(certificate));
    }

    /// <summary>A raw client speaking lines, to script the protocol (after TLS when <paramref name="tls"/>).</summary>
    public async Task<RawImapClient> ConnectRawAsync(bool tls = true)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(EndPoint);
        Stream stream = tcp.GetStream();
        if (tls && Mode == ImapTlsMode.Implicit)
        {
            var ssl = new SslStream(stream, false, ChainsToTestAnchor);
            await ssl.AuthenticateAsClientAsync("medecin.mssante.fr");
            stream = ssl;
        }

        var raw = new RawImapClient(tcp, stream);
        await raw.ReadLineAsync();
        return raw;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await TestStore.DisposeAsync();
    }
}

internal sealed class TestAuthenticator : IImapAuthenticator
{
    public const string OrgAddress = "pharmacie.centrale@pharmacien.mssante.fr";

    public ConcurrentBag<string> Revoked { get; } = [];

    public int Attempts;

    public ValueTask<ImapAuthenticationResult> AuthenticatePasswordAsync(string user, string password, string? authorizationId, ImapClientInfo client, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Attempts);
        Assert.True(client.IsTls);
        if (user == "locked")
        {
            return ValueTask.FromResult(ImapAuthenticationResult.Failure("rate limited", temporary: true));
        }

        if (user != ImapHarness.User || password != ImapHarness.Password)
        {
            return ValueTask.FromResult(ImapAuthenticationResult.Failure("bad credentials"));
        }

        return ValueTask.FromResult(Authorize(authorizationId));
    }

    public ValueTask<ImapAuthenticationResult> AuthenticateTokenAsync(string token, string? user, string? authorizationId, ImapClientInfo client, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Attempts);
        return ValueTask.FromResult(token == ImapHarness.Token ? Authorize(authorizationId) : ImapAuthenticationResult.Failure("bad token"));
    }

    // The professional is a member of one ORG mailbox and reaches it through the authzid; naming
    // themselves (as MailKit's OAUTHBEARER does with the user name) is their own mailbox.
    private static ImapAuthenticationResult Authorize(string? authorizationId) => authorizationId switch
    {
        null or ImapHarness.User or ImapHarness.Address => ImapAuthenticationResult.Success(new ImapPrincipal("810000000001", ImapHarness.Address)),
        OrgAddress => ImapAuthenticationResult.Success(new ImapPrincipal("810000000001", OrgAddress)),
        _ => ImapAuthenticationResult.Failure("not a member"),
    };

    public ValueTask<bool> IsStillAuthorizedAsync(ImapPrincipal principal, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(!Revoked.Contains(principal.Actor));
}

internal sealed class RecordingAudit : IImapAuditSink
{
    public ConcurrentQueue<ImapAuditEvent> Events { get; } = new();

    public ValueTask RecordAsync(ImapAuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        Events.Enqueue(auditEvent);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Test messages.</summary>
internal static class Messages
{
    public static byte[] Create(string subject, string body, string from = "labo@medecin.mssante.fr", string to = ImapHarness.Address) =>
        Encoding.UTF8.GetBytes(
            "Date: Tue, 25 Nov 2025 10:00:00 +0100\r\n" +
            $"From: Laboratoire <{from}>\r\n" +
            $"To: {to}\r\n" +
            $"Subject: {subject}\r\n" +
            $"Message-ID: <{Guid.NewGuid():N}@medecin.mssante.fr>\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: 8bit\r\n" +
            "\r\n" +
            body + "\r\n");
}

/// <summary>Line-level client for protocol scripts: send a line, read until the tagged reply.</summary>
internal sealed class RawImapClient(TcpClient tcp, Stream stream) : IDisposable
{
    private readonly List<byte> pending = [];

    public Stream Stream { get; private set; } = stream;

    public async Task SendAsync(string text)
    {
        await Stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await Stream.FlushAsync();
    }

    public async Task SendBytesAsync(byte[] bytes)
    {
        await Stream.WriteAsync(bytes);
        await Stream.FlushAsync();
    }

    /// <summary>Sends <c>tag command</c> and returns every line up to and including the tagged reply.</summary>
    public async Task<List<string>> CommandAsync(string tag, string command)
    {
        await SendAsync(tag + " " + command + "\r\n");
        return await ReadUntilTaggedAsync(tag);
    }

    public async Task<List<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("Connection closed; got: " + string.Join(" | ", lines));
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    public async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[4096];
        while (true)
        {
            var lf = pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(pending.GetRange(0, lf).ToArray()).TrimEnd('\r');
                pending.RemoveRange(0, lf + 1);
                return line;
            }

            var read = await Stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                return null;
            }

            pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    /// <summary>Upgrades to TLS after a STARTTLS reply.</summary>
    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(Stream, false, ImapHarness.ChainsToTestAnchor);
        await ssl.AuthenticateAsClientAsync("medecin.mssante.fr");
        Stream = ssl;
    }

    public void Dispose()
    {
        Stream.Dispose();
        tcp.Dispose();
    }
}

/// <summary>Keeps every log line, at every level, to prove what never reaches a log.</summary>
internal sealed class CapturingLogger : Microsoft.Extensions.Logging.ILogger<ImapServer>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue(formatter(state, exception) + " " + exception);
}
