using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Core;
using OpenMss.Host;
using OpenMss.Host.Configuration;
using OpenMss.Storage;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.EndToEnd.Tests;

/// <summary>
/// Two real operators on loopback, each with its own certificate, SQLite store, relay and queue:
/// A hosts pharmacien.mssante.fr, B hosts medecin.mssante.fr. Retries are fast so that tests of
/// outages take seconds.
/// </summary>
public sealed class TwoOperators : IAsyncDisposable
{
    public const string PharmacyDomain = "pharmacien.mssante.fr";
    public const string DoctorDomain = "medecin.mssante.fr";
    public const string Pharmacist = "claire.martin@pharmacien.mssante.fr";
    public const string Doctor = "jean.dupont@medecin.mssante.fr";

    private readonly ILoggerFactory _loggers;
    private readonly List<(PostgresServer Server, string Database)> _databases = [];

    private TwoOperators(DirectoryInfo root, CertificateAuthority authority, ILoggerFactory loggers)
    {
        Root = root;
        Authority = authority;
        _loggers = loggers;
    }

    public DirectoryInfo Root { get; }

    public CertificateAuthority Authority { get; }

    public StaticRouteTable Routes { get; } = new();

    public OperatorConfig ConfigA { get; private set; } = null!;

    public OperatorConfig ConfigB { get; private set; } = null!;

    public OperatorNode A { get; private set; } = null!;

    public OperatorNode? B { get; private set; }

    public string TrustAnchorPath => Path.Combine(Root.FullName, "ca.pem");

    /// <summary>An HTTPS client of a node's web endpoint that trusts this space's authority, and nothing else.</summary>
    public HttpClient WebClient(OperatorNode node) =>
        new(OpenMss.Identity.Validation.TrustAnchorHandler.Create(Authority.PublicCertificate)) { BaseAddress = node.WebUrl };

    /// <summary>Two operators with their own stores: SQLite files, or databases on the test PostgreSQL server.</summary>
    public static async Task<TwoOperators> StartAsync(ILoggerFactory? loggers = null, StoreBackend backend = StoreBackend.Sqlite)
    {
        var root = System.IO.Directory.CreateTempSubdirectory("openmss-e2e-");
        var authority = CertificateAuthority.Create("E2E Trust Authority");
        var space = new TwoOperators(root, authority, loggers ?? NullLoggerFactory.Instance);
        await File.WriteAllTextAsync(space.TrustAnchorPath, authority.Certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "whitelist.xml"),
            OpenMss.Trust.Whitelist.ToXml([PharmacyDomain, DoctorDomain]));
        space.ConfigA = await space.PrepareAsync("a", "Pharmaciens", PharmacyDomain, backend);
        space.ConfigB = await space.PrepareAsync("b", "Médecins", DoctorDomain, backend);
        space.A = await space.StartNodeAsync(space.ConfigA, [Pharmacist, "paul.bernard@pharmacien.mssante.fr"]);
        space.B = await space.StartNodeAsync(space.ConfigB, [Doctor]);
        return space;
    }

    private async Task<OperatorConfig> PrepareAsync(string id, string name, string domain, StoreBackend backend)
    {
        var dir = Path.Combine(Root.FullName, id);
        var storage = new StorageConfig { Provider = "sqlite", ConnectionString = Path.Combine(dir, "openmss.db") };
        if (backend == StoreBackend.Postgres)
        {
            var server = await PostgresServer.GetAsync();
            var (database, connectionString) = await server.CreateDatabaseAsync();
            _databases.Add((server, database));
            storage = new StorageConfig { Provider = "postgres", ConnectionString = connectionString, EncryptionKeyFile = Path.Combine(dir, "message.key") };
        }

        System.IO.Directory.CreateDirectory(dir);
        Authority.IssueOperatorCertificate(name, [domain]).Save(Path.Combine(dir, "operator.pem"), Path.Combine(dir, "operator.key"));
        Authority.IssueOperatorCertificate(name, ["localhost"]).Save(Path.Combine(dir, "web.pem"), Path.Combine(dir, "web.key"));
        var config = new OperatorConfig
        {
            Name = name,
            Domains = [domain],
            HostName = "mx." + domain,
            Relay = new RelayConfig { Listen = "127.0.0.1:0" },
            Web = new WebConfig { Listen = "127.0.0.1:0", Certificate = Path.Combine(dir, "web.pem"), Key = Path.Combine(dir, "web.key"), PublicHost = "localhost" },
            Storage = storage,
            Tls = new TlsConfig
            {
                Certificate = Path.Combine(dir, "operator.pem"),
                Key = Path.Combine(dir, "operator.key"),
                TrustAnchor = TrustAnchorPath,
            },
            Whitelist = new WhitelistConfig { Source = Path.Combine(Root.FullName, "whitelist.xml") },
            Routing = new RoutingConfig { Mode = "table" },
            Queue = new QueueConfig
            {
                RetryInitialDelay = TimeSpan.FromMilliseconds(300),
                RetryMaxDelay = TimeSpan.FromSeconds(1),
            },
        };
        config.Save(Path.Combine(dir, "operator.json"));
        return config;
    }

    public string ConfigPath(string id) => Path.Combine(Root.FullName, id, "operator.json");

    private async Task<OperatorNode> StartNodeAsync(OperatorConfig config, IEnumerable<string> mailboxes)
    {
        var node = await OperatorNode.StartAsync(config, _loggers, Routes);
        Routes.Set(config.Domains[0], new RelayEndpoint("127.0.0.1", node.RelayEndPoint.Port));
        foreach (var address in mailboxes)
        {
            if (await node.Store.FindMailboxAsync(address) is null)
            {
                await node.Store.CreateMailboxAsync(new NewMailbox(address, MailboxKind.Personal));
            }
        }

        return node;
    }

    /// <summary>Stops operator B (its relay stops answering).</summary>
    public async Task StopBAsync()
    {
        if (B is not null)
        {
            await B.DisposeAsync();
            B = null;
        }
    }

    /// <summary>Stops and starts operator A on the same store.</summary>
    public async Task RestartAAsync()
    {
        await A.DisposeAsync();
        A = await StartNodeAsync(ConfigA, [Pharmacist]);
    }

    /// <summary>Starts operator B again on the same store (on a new port, which the routing table learns).</summary>
    public async Task RestartBAsync() => B = await StartNodeAsync(ConfigB, [Doctor]);

    public static byte[] Message(string from, string to, string subject = "Ordonnance", string body = "Bonjour,\r\nVoici le renouvellement.\r\n")
    {
        var text = $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n" +
                   $"Message-ID: <{Guid.NewGuid():N}@pharmacien.mssante.fr>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0100\r\n" +
                   $"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}";
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>Waits until the mailbox's INBOX holds at least <paramref name="count"/> messages and returns them.</summary>
    public static async Task<IReadOnlyList<byte[]>> WaitForInboxAsync(IMailStore store, string address, int count = 1)
    {
        var mailbox = await store.FindMailboxAsync(address) ?? throw new InvalidOperationException("no mailbox " + address);
        var inbox = await store.FindFolderAsync(mailbox.Id, "INBOX") ?? throw new InvalidOperationException("no INBOX");
        var messages = await Eventually.WaitForAsync(() => store.ListMessagesAsync(inbox.Id), m => m.Count >= count, $"{count} message(s) in {address}");
        var result = new List<byte[]>();
        foreach (var m in messages)
        {
            result.Add((await store.ReadMessageAsync(inbox.Id, m.Uid))!);
        }

        return result;
    }

    /// <summary>The stored bytes with the trace header the receiving relay prepended removed.</summary>
    public static byte[] WithoutFirstReceivedHeader(byte[] stored)
    {
        var text = Encoding.UTF8.GetString(stored);
        Assert.StartsWith("Received: ", text, StringComparison.Ordinal);
        var index = 0;
        do
        {
            index = text.IndexOf("\r\n", index, StringComparison.Ordinal) + 2;
        }
        while (text[index] is ' ' or '\t'); // folded continuation lines of the header
        return Encoding.UTF8.GetBytes(text[index..]);
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await StopBAsync();
        foreach (var (server, database) in _databases)
        {
            await server.DropDatabaseAsync(database);
        }

        try
        {
            Root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a stopping thread: the temporary folder is left behind.
        }
    }
}
