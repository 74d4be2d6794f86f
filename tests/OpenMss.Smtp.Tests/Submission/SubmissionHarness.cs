using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using OpenMss.Core;
using OpenMss.Sasl.Throttling;
using OpenMss.Smtp.Acceptance;
using OpenMss.Smtp.Inbound;
using OpenMss.Smtp.Inbound.Submission;
using OpenMss.Smtp.Tests.Support;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.Smtp.Tests.Submission;

/// <summary>A password and token store standing in for the identity provider.</summary>
public sealed class TestAuthenticator : ISubmissionAuthenticator
{
    public const string AnnePassword = "Pharma-Anne-2026!";
    public const string PaulPassword = "Paul-Prep-2026!";
    public const string AnneToken = "eyJhbGciOiJub25lIn0.anne-access-token.sig";

    public bool AllowsPasswords { get; set; } = true;

    public bool Unavailable { get; set; }

    /// <summary>How many credentials reached the check (none for a malformed response).</summary>
    public int Attempts => _attempts;

    private int _attempts;

    public ValueTask<CredentialCheck> CheckPasswordAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _attempts);
        if (Unavailable)
        {
            return ValueTask.FromResult(CredentialCheck.Unavailable);
        }

        return ValueTask.FromResult((userName.ToLowerInvariant(), password) switch
        {
            ("810000000001" or SubmissionHarness.Anne, AnnePassword) => CredentialCheck.Valid("810000000001", "Anne Dupont", SubmissionHarness.Anne),
            ("810000000002" or SubmissionHarness.Paul, PaulPassword) => CredentialCheck.Valid("810000000002", "Paul Martin", SubmissionHarness.Paul),
            _ => CredentialCheck.Invalid,
        });
    }

    public ValueTask<CredentialCheck> CheckTokenAsync(string token, string? userName, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _attempts);
        return ValueTask.FromResult(token == AnneToken ? CredentialCheck.Valid("810000000001", "Anne Dupont", SubmissionHarness.Anne) : CredentialCheck.Invalid);
    }
}

/// <summary>
/// The operator pharmacien.mssante.fr's submission service (real TLS with the test PKI, real
/// SQLite store): Anne (PER, member of the pharmacy's ORG mailbox), Paul (PER, not a member),
/// the ORG mailbox, the laboratory's APP mailbox and a local recipient. Delivery goes through a
/// fake submitter that records each call and delivers local recipients to their INBOX.
/// </summary>
public sealed class SubmissionHarness : IAsyncDisposable
{
    public const string Anne = "anne@pharmacien.mssante.fr";
    public const string Paul = "paul@pharmacien.mssante.fr";
    public const string Pharmacy = "pharmacie@pharmacien.mssante.fr";
    public const string Martin = "dr.martin@pharmacien.mssante.fr";
    public const string Labo = TestPki.LaboAddress;

    private SubmissionHarness(TestMailStore store, SmtpServer server, TestAuthenticator authenticator, ListLoggerFactory logs)
    {
        Store = store;
        Server = server;
        Authenticator = authenticator;
        Logs = logs;
    }

    public TestMailStore Store { get; }

    public SmtpServer Server { get; }

    public TestAuthenticator Authenticator { get; }

    public ListLoggerFactory Logs { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoint;

    public ConcurrentQueue<(string From, string[] To, byte[] Raw)> Submitted { get; } = new();

    public static async Task<SubmissionHarness> StartAsync(bool implicitTls = false, AuthThrottle? throttle = null, IEnumerable<IMessagePolicy>? messageStages = null)
    {
        var store = await TestStores.CreateAsync(StoreBackend.Sqlite);
        try
        {
            await store.CreateMailboxAsync(new NewMailbox(Anne, MailboxKind.Personal, "Anne Dupont", "810000000001"));
            await store.CreateMailboxAsync(new NewMailbox(Paul, MailboxKind.Personal, "Paul Martin", "810000000002"));
            await store.CreateMailboxAsync(new NewMailbox(Martin, MailboxKind.Personal, "Dr Martin", "810000000003"));
            await store.CreateMailboxAsync(new NewMailbox(Pharmacy, MailboxKind.Organisational, "Pharmacie centrale", "10B0123456"));
            await store.CreateMailboxAsync(new NewMailbox(Labo, MailboxKind.Applicative, "Laboratoire"));
            await store.AddMemberAsync(Pharmacy, new NewMember("810000000001", "Anne Dupont", MemberRole.Pharmacist), new MembershipAudit("admin"));

            var logs = new ListLoggerFactory();
            var authenticator = new TestAuthenticator();
            SubmissionHarness? harness = null;
            var policy = new SubmissionPolicy(
                store,
                store,
                store,
                store,
                authenticator,
                async (from, recipients, raw, envelopeId, returnFull, ct) =>
                {
                    harness!.Submitted.Enqueue((from, recipients.Select(r => r.Address).ToArray(), raw.ToArray()));
                    var local = recipients.Select(r => r.Address).Where(a => a.EndsWith("@" + TestPki.PharmacienDomain, StringComparison.OrdinalIgnoreCase)).ToArray();
                    if (local.Length > 0)
                    {
                        await store.DeliverAsync(new InboundMessage(from, local, raw, DateTimeOffset.UtcNow), ct);
                    }
                },
                new SubmissionPolicyOptions
                {
                    ApplicationCertificates = TestPki.CreateValidator(),
                    Throttle = throttle,
                    LocalDomains = [TestPki.PharmacienDomain],
                    Acceptance = messageStages is null
                        ? null
                        : new AcceptancePipeline([new LocalRecipientPolicy(store, new LocalDomainSet([TestPki.PharmacienDomain]), refusesOtherDomains: false)], messageStages),
                },
                logs);
            var options = new SmtpServerOptions
            {
                EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
                HostName = "smtp." + TestPki.PharmacienDomain,
                ServerCertificate = TestPki.Pharmacien.Certificate,
                ImplicitTls = implicitTls,
            };
            var server = new SmtpServer(options, policy, logs);
            await server.StartAsync();
            harness = new SubmissionHarness(store, server, authenticator, logs);
            return harness;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects, EHLO, STARTTLS (no client certificate), EHLO again.</summary>
    public SmtpTestClient ConnectTls(TestCredential? certificate = null)
    {
        var client = SmtpTestClient.Connect(EndPoint);
        client.Ehlo();
        client.StartTls(certificate?.Certificate);
        client.Ehlo();
        return client;
    }

    /// <summary>The raw messages of a folder of a mailbox, with their flags, in UID order.</summary>
    public async Task<List<(byte[] Raw, MessageFlags Flags)>> FolderAsync(string address, string folder)
    {
        var mailbox = await Store.FindMailboxAsync(address) ?? throw new InvalidOperationException("no mailbox " + address);
        var found = await Store.FindFolderAsync(mailbox.Id, folder) ?? throw new InvalidOperationException("no folder " + folder);
        var result = new List<(byte[], MessageFlags)>();
        foreach (var summary in await Store.ListMessagesAsync(found.Id))
        {
            result.Add((await Store.ReadMessageAsync(found.Id, summary.Uid) ?? throw new InvalidOperationException("vanished"), summary.Flags));
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Store.DisposeAsync();
    }
}
