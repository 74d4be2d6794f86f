using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using OpenMss.Core;
using OpenMss.Smtp.Acceptance;
using OpenMss.Smtp.Inbound;
using OpenMss.Smtp.Protocol;
using OpenMss.Storage;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.Smtp.Tests.Support;

/// <summary>A policy that accepts everything and keeps a copy of each message: the session engine alone under test.</summary>
public sealed class RecordingPolicy : ISmtpPolicy
{
    public ConcurrentQueue<(string From, string[] To, byte[] Message)> Messages { get; } = new();

    /// <summary>When set, OnMessageAsync waits for it (to hold a transaction in progress).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource DataReached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Func<SmtpTransaction, RcptToCommand, SmtpReply>? Recipient { get; set; }

    public bool ThrowOnMessage { get; set; }

    public ValueTask<SmtpReply> OnMailFromAsync(SmtpSessionContext session, SmtpTransaction transaction, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(SmtpReplies.SenderOk);

    public ValueTask<SmtpReply> OnRecipientAsync(SmtpSessionContext session, SmtpTransaction transaction, RcptToCommand command, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Recipient?.Invoke(transaction, command) ?? SmtpReplies.RecipientOk);

    public async ValueTask<SmtpReply> OnMessageAsync(SmtpSessionContext session, SmtpTransaction transaction, SmtpMessageContent message, CancellationToken cancellationToken = default)
    {
        DataReached.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (ThrowOnMessage)
        {
            throw new InvalidOperationException("policy bug");
        }

        Messages.Enqueue((transaction.ReversePath, transaction.Recipients.Select(r => r.Address).ToArray(), message.Content.ToArray()));
        return SmtpReplies.MessageAccepted(transaction.Id);
    }
}

/// <summary>A whitelist the test can change while the server runs.</summary>
public sealed class MutableWhitelist(params string[] domains) : IWhitelist
{
    private readonly ConcurrentDictionary<string, byte> _domains = new(domains.Select(d => KeyValuePair.Create(d, (byte)0)), StringComparer.OrdinalIgnoreCase);

    public bool Contains(string domain) => _domains.ContainsKey(domain);

    public void Remove(string domain) => _domains.TryRemove(domain, out _);
}

/// <summary>An SMTP server on a loopback port with the given policy.</summary>
public sealed class ServerHarness : IAsyncDisposable
{
    private ServerHarness(SmtpServer server) => Server = server;

    public SmtpServer Server { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoint;

    public static async Task<ServerHarness> StartAsync(ISmtpPolicy policy, Action<SmtpServerOptions>? configure = null, ILoggerFactory? loggerFactory = null)
    {
        var options = new SmtpServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            HostName = "mx.medecin.mssante.fr",
            RequireTls = false,
        };
        configure?.Invoke(options);
        var server = new SmtpServer(options, policy, loggerFactory);
        await server.StartAsync();
        return new ServerHarness(server);
    }

    public SmtpTestClient Connect(string? greeting = "220 ") => SmtpTestClient.Connect(EndPoint, greeting);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>
/// The operator <c>medecin.mssante.fr</c> with its relay (real TLS with the test PKI, real SQLite
/// store with the mailboxes alice@ and bob@), whitelisting pharmacien and medecin.
/// </summary>
public sealed class RelayHarness : IAsyncDisposable
{
    public const string LocalDomain = TestPki.MedecinDomain;
    public const string Alice = "alice@" + LocalDomain;
    public const string Bob = "bob@" + LocalDomain;

    private RelayHarness(TestMailStore store, SmtpServer server, MutableWhitelist whitelist)
    {
        Store = store;
        Server = server;
        Whitelist = whitelist;
    }

    public TestMailStore Store { get; }

    public SmtpServer Server { get; }

    public MutableWhitelist Whitelist { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoint;

    public static async Task<RelayHarness> StartAsync(Action<SmtpServerOptions>? configure = null, Func<IMailStore, IMailStore>? wrapStore = null, ILoggerFactory? loggerFactory = null, NotifyDelivered? deliveryNotifier = null,
        IEnumerable<IRecipientPolicy>? extraRecipientStages = null, IEnumerable<IMessagePolicy>? messageStages = null)
    {
        var store = await TestStores.CreateAsync(StoreBackend.Sqlite);
        try
        {
            await store.CreateMailboxAsync(new NewMailbox(Alice, MailboxKind.Personal));
            await store.CreateMailboxAsync(new NewMailbox(Bob, MailboxKind.Personal));
            var whitelist = new MutableWhitelist(TestPki.PharmacienDomain, TestPki.MedecinDomain);
            var relayStore = wrapStore?.Invoke(store) ?? store;

            // Composed as the host does: the local-recipient stage first, then any extra rule.
            IRecipientPolicy[] recipientStages = [new LocalRecipientPolicy(relayStore, new LocalDomainSet([LocalDomain]), refusesOtherDomains: true), .. extraRecipientStages ?? []];
            var policy = new RelayPolicy(relayStore, relayStore, TestPki.CreateValidator(), whitelist, [LocalDomain], loggerFactory?.CreateLogger<RelayPolicy>())
            {
                DeliveryNotifier = deliveryNotifier,
                Acceptance = new AcceptancePipeline(recipientStages, messageStages),
            };
            var options = new SmtpServerOptions
            {
                EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
                HostName = "mx." + LocalDomain,
                ServerCertificate = TestPki.Medecin.Certificate,
            };
            configure?.Invoke(options);
            var server = new SmtpServer(options, policy, loggerFactory);
            await server.StartAsync();
            return new RelayHarness(store, server, whitelist);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public SmtpTestClient Connect() => SmtpTestClient.Connect(EndPoint);

    /// <summary>Connects, EHLO, STARTTLS with <paramref name="certificate"/>, EHLO again.</summary>
    public SmtpTestClient ConnectTls(TestCredential? certificate)
    {
        var client = Connect();
        client.Ehlo();
        client.StartTls(certificate?.Certificate);
        client.Ehlo();
        return client;
    }

    /// <summary>The raw messages in a mailbox's INBOX, in UID order.</summary>
    public async Task<List<byte[]>> InboxAsync(string address)
    {
        var mailbox = await Store.FindMailboxAsync(address) ?? throw new InvalidOperationException("no mailbox " + address);
        var inbox = await Store.FindFolderAsync(mailbox.Id, "INBOX") ?? throw new InvalidOperationException("no INBOX");
        var result = new List<byte[]>();
        foreach (var summary in await Store.ListMessagesAsync(inbox.Id))
        {
            result.Add(await Store.ReadMessageAsync(inbox.Id, summary.Uid) ?? throw new InvalidOperationException("message vanished"));
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Store.DisposeAsync();
    }
}
