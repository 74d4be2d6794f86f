using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using OpenMss.Core;
using OpenMss.Queue.Delivery;
using OpenMss.Storage;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.Queue.Tests.Support;

/// <summary>
/// The sending operator (pharmacien.mssante.fr) with a real SQLite store, a fake clock and a
/// delivery worker whose route for medecin.mssante.fr points at a fake remote operator's port.
/// </summary>
public sealed class QueueHarness : IAsyncDisposable
{
    public const string LocalDomain = TestPki.PharmacienDomain;
    public const string RemoteDomain = TestPki.MedecinDomain;
    public const string Sender = "claire.martin@pharmacien.mssante.fr";
    public const string Colleague = "paul.durand@pharmacien.mssante.fr";
    public const string Doctor = "dr.bernard@medecin.mssante.fr";
    public const string Unknown = "personne@medecin.mssante.fr";

    private QueueHarness(TestDatabase database, IMailStore store, FakeTimeProvider clock, StaticRouteTable routes, int remotePort)
    {
        Database = database;
        Store = store;
        Clock = clock;
        Routes = routes;
        RemotePort = remotePort;
        Options = NewOptions();
        Worker = NewWorker();
    }

    public TestDatabase Database { get; }

    public IMailStore Store { get; private set; }

    public FakeTimeProvider Clock { get; }

    public StaticRouteTable Routes { get; }

    /// <summary>Where the route for <see cref="RemoteDomain"/> points (nothing listens until a fake starts there).</summary>
    public int RemotePort { get; }

    public DeliveryQueueOptions Options { get; }

    public DeliveryWorker Worker { get; private set; }

    public static async Task<QueueHarness> CreateAsync(StoreBackend backend = StoreBackend.Sqlite)
    {
        var database = await TestDatabase.CreateAsync(backend);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = await database.OpenStoreAsync(clock);
        await store.CreateMailboxAsync(new NewMailbox(Sender, MailboxKind.Personal, "Claire Martin"));
        await store.CreateMailboxAsync(new NewMailbox(Colleague, MailboxKind.Personal, "Paul Durand"));
        var port = FakeRemoteOperator.ReservePort();
        var routes = new StaticRouteTable();
        routes.Set(RemoteDomain, new RelayEndpoint("127.0.0.1", port));
        return new QueueHarness(database, store, clock, routes, port);
    }

    /// <summary>A fake remote operator on <see cref="RemotePort"/> presenting <paramref name="certificate"/> (medecin's by default).</summary>
    public FakeRemoteOperator Remote(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null) =>
        new(certificate ?? TestPki.Medecin.Certificate, RemotePort);

    public DeliveryWorker NewWorker(IMeterFactory? meterFactory = null) =>
        new(Store, Routes, TestPki.CreateValidator(), Options, loggerFactory: null, Clock, meterFactory);

    /// <summary>Another worker on the same store, as another node would run it, with its own options and clock.</summary>
    public DeliveryWorker NewWorker(DeliveryQueueOptions options, TimeProvider clock) =>
        new(Store, Routes, TestPki.CreateValidator(), options, loggerFactory: null, clock);

    /// <summary>Closes the store and the worker, as a process exit would, then opens both again on the same database.</summary>
    public async Task RestartAsync()
    {
        Worker.Dispose();
        await Store.DisposeAsync();
        Store = await Database.OpenStoreAsync(Clock);
        Worker = NewWorker();
    }

    /// <summary>Runs the worker at successive due times (moving the clock) until <paramref name="until"/> holds or the queue is empty.</summary>
    public async Task<int> RunAttemptsAsync(Func<DateTimeOffset, bool> until, int max = 500)
    {
        var attempts = 0;
        for (var i = 0; i < max; i++)
        {
            var entries = await Store.ListQueueAsync();
            if (entries.Count == 0)
            {
                return attempts;
            }

            var due = entries.Min(e => e.NextAttemptAt);
            if (due > Clock.GetUtcNow())
            {
                if (until(due))
                {
                    return attempts;
                }

                Clock.SetUtcNow(due);
            }

            attempts += await Worker.RunOnceAsync();
        }

        throw new InvalidOperationException("The queue did not settle.");
    }

    public async Task<IReadOnlyList<MimeMessage>> InboxAsync(string address)
    {
        var mailbox = await Store.FindMailboxAsync(address) ?? throw new InvalidOperationException("no mailbox " + address);
        var inbox = await Store.FindFolderAsync(mailbox.Id, "INBOX") ?? throw new InvalidOperationException("no INBOX");
        var messages = new List<MimeMessage>();
        foreach (var summary in await Store.ListMessagesAsync(inbox.Id))
        {
            var raw = await Store.ReadMessageAsync(inbox.Id, summary.Uid);
            messages.Add(MimeMessage.Load(new MemoryStream(raw!)));
        }

        return messages;
    }

    public async Task<byte[]> InboxRawAsync(string address, int index = 0)
    {
        var mailbox = await Store.FindMailboxAsync(address) ?? throw new InvalidOperationException("no mailbox " + address);
        var inbox = await Store.FindFolderAsync(mailbox.Id, "INBOX") ?? throw new InvalidOperationException("no INBOX");
        var summary = (await Store.ListMessagesAsync(inbox.Id))[index];
        return (await Store.ReadMessageAsync(inbox.Id, summary.Uid))!;
    }

    /// <summary>A message with 8-bit text, a line starting with a dot and a subject that must not leak into notifications.</summary>
    public static byte[] Message(string from = Sender, string to = Doctor, string subject = "Ordonnance de M. Dupont, né le 01/02/1950")
    {
        var text = $"From: Claire Martin <{from}>\r\n" +
                   $"To: <{to}>\r\n" +
                   $"Subject: =?utf-8?q?{Uri.EscapeDataString(subject).Replace('%', '=')}?=\r\n" +
                   "Date: Tue, 25 Nov 2025 10:00:00 +0100\r\n" +
                   $"Message-ID: <{Guid.NewGuid():N}@pharmacien.mssante.fr>\r\n" +
                   "MIME-Version: 1.0\r\n" +
                   "Content-Type: text/plain; charset=utf-8\r\n" +
                   "Content-Transfer-Encoding: 8bit\r\n" +
                   "\r\n" +
                   "Bonjour Docteur,\r\n" +
                   "Le médicament a été délivré ce matin.\r\n" +
                   ".Une ligne qui commence par un point.\r\n" +
                   "Cordialement,\r\nClaire\r\n";
        return Encoding.UTF8.GetBytes(text);
    }

    public async ValueTask DisposeAsync()
    {
        Worker.Dispose();
        await Store.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>The options the harness's worker starts with (a new instance each call).</summary>
    public static DeliveryQueueOptions NewOptions() => new()
    {
        HostName = "relay.pharmacien.mssante.fr",
        LocalDomains = [LocalDomain],
        ClientCertificate = TestPki.Pharmacien.Certificate,
        // Generous: a busy machine must not turn a slow answer into a failed attempt.
        ConnectTimeout = TimeSpan.FromSeconds(60),
        CommandTimeout = TimeSpan.FromSeconds(60),

        // No jitter: the tests check the schedule to the second.
        JitterSource = () => 0.5,
    };
}
