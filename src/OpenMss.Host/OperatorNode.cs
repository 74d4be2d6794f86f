using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using OpenMss.Directory.Client;
using OpenMss.Host.Configuration;
using OpenMss.Queue.Delivery;
using OpenMss.Queue.Submission;
using OpenMss.Smtp.Acceptance;
using OpenMss.Smtp.Inbound;
using OpenMss.Storage;
using OpenMss.Trust;

namespace OpenMss.Host;

/// <summary>
/// One running operator: its store, the operator-to-operator SMTP relay, the delivery queue
/// worker and its HTTPS endpoint (<see cref="OperatorWeb"/>: <c>/health</c>, <c>/metrics</c>, autoconfiguration). <c>openmss serve</c> runs one;
/// the demo runs several in one process.
/// </summary>
public sealed class OperatorNode : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<IDisposable> _ownedSync = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _workerTask = Task.CompletedTask;
    private Task _maintenanceTask = Task.CompletedTask;
    private OperatorWeb? _web;
    private SmtpServer? _relay;
    private SmtpServer? _submission;
    private SmtpServer? _submissionTls;
    private OpenMss.Imap.Server.ImapServer? _imap;
    private OpenMss.Imap.Server.ImapServer? _imapTls;
    private ProfessionalAuthenticator? _credentials;
    // Shared by IMAP and submission, so that failures on one count on the other; on the node's clock.
    private OpenMss.Sasl.Throttling.AuthThrottle _throttle = null!;
    private AcceptancePipeline? _localAcceptance;
    private ILogger _logger = null!;

    private OperatorNode(OperatorConfig config) => Config = config;

    public OperatorConfig Config { get; }

    public IMailStore Store { get; private set; } = null!;

    public MessageSubmitter Submitter { get; private set; } = null!;

    public DeliveryWorker Worker { get; private set; } = null!;

    /// <summary>The address the relay listens on (the real port when the configuration said 0).</summary>
    public IPEndPoint RelayEndPoint => _relay!.LocalEndPoint;

    /// <summary>The submission listener with STARTTLS, when configured.</summary>
    public IPEndPoint? SubmissionEndPoint => _submission?.LocalEndPoint;

    /// <summary>The submission listener with implicit TLS, when configured.</summary>
    public IPEndPoint? SubmissionTlsEndPoint => _submissionTls?.LocalEndPoint;

    /// <summary>The IMAP listeners and their TLS mode (<c>SSL</c> or <c>STARTTLS</c>), for autoconfiguration.</summary>
    internal IEnumerable<(IPEndPoint EndPoint, string SocketType)> ImapEndPoints()
    {
        if (_imapTls is not null)
        {
            yield return (_imapTls.LocalEndPoint, "SSL");
        }

        if (_imap is not null)
        {
            yield return (_imap.LocalEndPoint, "STARTTLS");
        }
    }

    /// <summary>The IMAP listener with STARTTLS, when configured.</summary>
    public IPEndPoint? ImapEndPoint => _imap?.LocalEndPoint;

    /// <summary>The IMAP listener with implicit TLS, when configured.</summary>
    public IPEndPoint? ImapTlsEndPoint => _imapTls?.LocalEndPoint;

    /// <summary>
    /// Closes the IMAP sessions a professional has open on a mailbox (a member removed from a
    /// shared mailbox loses access at once). Returns how many were closed.
    /// </summary>
    public int CloseImapSessions(string mailboxAddress, string? actor = null) =>
        (_imap?.CloseSessions(mailboxAddress, actor) ?? 0) + (_imapTls?.CloseSessions(mailboxAddress, actor) ?? 0);

    /// <summary>The base URL of the node's HTTPS endpoint (<see cref="OperatorWeb"/>).</summary>
    public Uri WebUrl { get; private set; } = null!;

    /// <summary>The national directory's client, when the configuration names one.</summary>
    public DirectoryClient? Directory { get; private set; }

    private WhitelistSource? _whitelist;
    private DirectoryRouteResolver? _directoryRoutes;

    /// <summary>The operator certificate with its key (server and client use).</summary>
    public X509Certificate2 Certificate { get; private set; } = null!;

    /// <summary>
    /// Starts every part of the node; returns once every listener accepts connections.
    /// </summary>
    /// <param name="routes">A routing table to use instead of the configured one (the demo shares one table).</param>
    /// <param name="recipientStages">
    /// Recipient stages of this kind of operator (the patient space's), built once the store is open and
    /// asked before <see cref="LocalRecipientPolicy"/> on the relay, submission and local submission.
    /// </param>
    public static async Task<OperatorNode> StartAsync(
        OperatorConfig config,
        ILoggerFactory loggerFactory,
        IRouteResolver? routes = null,
        TimeProvider? timeProvider = null,
        Func<IMailStore, IReadOnlyList<IRecipientPolicy>>? recipientStages = null,
        CancellationToken cancellationToken = default)
    {
        var node = new OperatorNode(config);
        try
        {
            await node.StartCoreAsync(loggerFactory, routes, timeProvider ?? TimeProvider.System, recipientStages, cancellationToken);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(
        ILoggerFactory loggerFactory, IRouteResolver? routes, TimeProvider time, Func<IMailStore, IReadOnlyList<IRecipientPolicy>>? recipientStages, CancellationToken cancellationToken)
    {
        _logger = loggerFactory.CreateLogger($"OpenMss.Operator.{Config.Domains[0]}");
        var domains = Config.Domains.Select(d => d.ToLowerInvariant()).ToArray();

        // One throttle for submission and IMAP: failures on either count against the same account and address.
        _throttle = new OpenMss.Sasl.Throttling.AuthThrottle(new OpenMss.Sasl.Throttling.AuthThrottleOptions(), time);
        Store = await MailStoreFactory.OpenAsync(
            Config.Storage.ToStorageOptions(),
            loggerFactory,
            time,
            cancellationToken);
        _owned.Add(Store);

        Certificate = IssuedCertificate.LoadWithKey(Config.Tls.Certificate!, Config.Tls.Key!);
        var anchor = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Config.Tls.TrustAnchor!, cancellationToken));

        RevocationListSource? crl = null;
        if (!string.IsNullOrEmpty(Config.Tls.Crl))
        {
            crl = new RevocationListSource(Config.Tls.Crl, anchor, Config.Tls.CrlRefresh, loggerFactory.CreateLogger<RevocationListSource>(), time);
            _ownedSync.Add(crl);
            if (!await crl.StartAsync(cancellationToken))
            {
                throw new ConfigurationException($"'tls.crl': could not load a valid CRL from {Config.Tls.Crl}.");
            }
        }

        var validator = new TrustValidator(anchor, crl, time, loggerFactory.CreateLogger<TrustValidator>());

        if (!string.IsNullOrWhiteSpace(Config.Directory?.Url))
        {
            Directory = CreateDirectoryClient(Config, anchor, Certificate, crl);
            _ownedSync.Add(Directory);
        }

        var whitelist = new WhitelistSource(Config.Whitelist.Source!, Config.Whitelist.Refresh, anchor, loggerFactory.CreateLogger<WhitelistSource>(), time);
        _ownedSync.Add(whitelist);
        _whitelist = whitelist;
        if (!await whitelist.StartAsync(cancellationToken))
        {
            // Not fatal: the source keeps retrying, and until it loads every peer is refused.
            _logger.LogWarning("The whitelist could not be loaded from {Source}; every peer is refused until it loads", Config.Whitelist.Source);
        }

        if (routes is null && Config.Routing.Mode == "directory")
        {
            _directoryRoutes = new DirectoryRouteResolver(Directory!, Config.Directory!.RoutingRefresh, _logger, time);
            await _directoryRoutes.RefreshAsync(cancellationToken);
            routes = _directoryRoutes;
        }

        routes ??= BuildRoutes(Config.Routing);

        // The acceptance seam (docs/architecture.md): the relay takes this operator's recipients
        // only; the submission service and the local submission take any recipient, a local one
        // only when its mailbox exists. A new acceptance rule is a stage added to these pipelines.
        var relayAcceptance = AcceptancePipeline.ForLocalDomains(Store, domains, refusesOtherDomains: true);
        _localAcceptance = AcceptancePipeline.ForLocalDomains(Store, domains, refusesOtherDomains: false);
        if (recipientStages?.Invoke(Store) is { Count: > 0 } extra)
        {
            relayAcceptance = new AcceptancePipeline([.. extra, .. relayAcceptance.RecipientStages], relayAcceptance.MessageStages);
            _localAcceptance = new AcceptancePipeline([.. extra, .. _localAcceptance.RecipientStages], _localAcceptance.MessageStages);
        }

        var relayOptions = SmtpOptions(Config.Relay.Listen, implicitTls: false, time);
        var relayPolicy = new RelayPolicy(Store, Store, validator, whitelist, domains, loggerFactory.CreateLogger<RelayPolicy>(), time)
        {
            Acceptance = relayAcceptance,
            // NOTIFY=SUCCESS (RFC 3461): the "delivered" report goes back through the queue. A lambda:
            // the submitter is created after the relay starts.
            DeliveryNotifier = (from, delivered, raw, envelopeId, arrival, ct) => Submitter.NotifyDeliveredAsync(from, delivered, raw, envelopeId, arrival, ct),
        };
        _relay = new SmtpServer(relayOptions, relayPolicy, loggerFactory);
        await _relay.StartAsync(cancellationToken);
        _owned.Add(_relay);

        Worker = new DeliveryWorker(
            Store,
            routes,
            validator,
            new DeliveryQueueOptions
            {
                HostName = Config.HostName,
                LocalDomains = domains,
                Acceptance = _localAcceptance,
                ClientCertificate = Certificate,
                RetryInitialDelay = Config.Queue.RetryInitialDelay,
                RetryMaxDelay = Config.Queue.RetryMaxDelay,
                DelayNotificationAfter = Config.Queue.DelayNotificationAfter,
                GiveUpAfter = Config.Queue.GiveUpAfter,
                MaxConcurrentDeliveries = Config.Queue.MaxConcurrentDeliveries,
                MaxConcurrentDeliveriesPerDestination = Config.Queue.MaxConcurrentDeliveriesPerDestination,
                BusyDestinationDelay = Config.Queue.BusyDestinationDelay,
                LeaseDuration = Config.Queue.LeaseDuration,
            },
            loggerFactory,
            time);
        _ownedSync.Add(Worker);
        Submitter = Worker.Submitter;
        _workerTask = Task.Run(() => Worker.RunAsync(_stopping.Token), CancellationToken.None);
        _maintenanceTask = Task.Run(() => MaintainAsync(time, _stopping.Token), CancellationToken.None);

        if (Config.Submission is not null || Config.Imap is not null)
        {
            _credentials = await CreateCredentialsAsync(loggerFactory, anchor, time, cancellationToken);
        }

        if (Config.Submission is not null)
        {
            await StartSubmissionAsync(loggerFactory, validator, anchor, domains, time, cancellationToken);
        }

        if (Config.Imap is not null)
        {
            await StartImapAsync(loggerFactory, time, cancellationToken);
        }

        _web = await OperatorWeb.StartAsync(this, Certificate, loggerFactory, cancellationToken);
        WebUrl = _web.Url;
        _logger.LogInformation("Operator {Name} up: relay {Relay}, web {Web}", Config.Name, RelayEndPoint, WebUrl);
    }

    private async Task<ProfessionalAuthenticator> CreateCredentialsAsync(ILoggerFactory loggerFactory, X509Certificate2 anchor, TimeProvider time, CancellationToken cancellationToken)
    {
        OpenMss.Identity.Validation.AccessTokenValidator? tokens = null;
        if (!string.IsNullOrWhiteSpace(Config.Identity?.Issuer))
        {
            tokens = new OpenMss.Identity.Validation.AccessTokenValidator(
                new OpenMss.Identity.Validation.AccessTokenValidatorOptions
                {
                    Issuer = new Uri(Config.Identity.Issuer),
                    Audience = Config.Identity.EffectiveAudience,
                    Holder = Config.Identity.TokenHolder,
                    TrustAnchor = anchor,
                    IntrospectionClientId = string.IsNullOrWhiteSpace(Config.Identity.IntrospectionClientId) ? null : Config.Identity.IntrospectionClientId,
                    IntrospectionClientSecret = await ReadIntrospectionSecretAsync(Config.Identity, cancellationToken),
                    IntrospectionCacheDuration = Config.Identity.IntrospectionCache,
                    TimeProvider = time,
                },
                loggerFactory.CreateLogger<OpenMss.Identity.Validation.AccessTokenValidator>());
            _ownedSync.Add(tokens);
        }

        OpenMss.Identity.Accounts.IAccountStore? accounts = null;
        var allowPasswords = Config.Submission?.AllowPasswords == true || Config.Imap?.AllowPasswords == true;
        if (allowPasswords && !string.IsNullOrWhiteSpace(Config.Identity?.AccountsDatabase))
        {
            var store = await OpenMss.Identity.Accounts.AccountStore.OpenAsync(
                OpenMss.Identity.IdentityDatabase.Sqlite(Config.Identity.AccountsDatabase), time, loggerFactory, cancellationToken);
            accounts = store;
        }

        return new ProfessionalAuthenticator(Store, tokens, accounts, allowPasswords, loggerFactory.CreateLogger<ProfessionalAuthenticator>());
    }

    /// <summary>An SMTP listener's options: relay and submission share the limits of <c>relay</c> in the configuration.</summary>
    private SmtpServerOptions SmtpOptions(string listen, bool implicitTls, TimeProvider time) => new()
    {
        TimeProvider = time,
        EndPoint = ParseEndPoint(listen),
        HostName = Config.HostName,
        ServerCertificate = Certificate,
        ImplicitTls = implicitTls,
        MaxMessageSize = Config.Relay.MaxMessageSize,
        MaxSessions = Config.Relay.MaxSessions,
        MaxSessionsPerAddress = Config.Relay.MaxSessionsPerAddress,
        MaxRecipients = Config.Relay.MaxRecipients,
        CommandTimeout = Config.Relay.CommandTimeout,
        DataTimeout = Config.Relay.DataTimeout,
    };

    private static async Task<string?> ReadIntrospectionSecretAsync(IdentityConfig identity, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(identity.IntrospectionClientId))
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(identity.IntrospectionClientSecretFile))
        {
            throw new InvalidOperationException("identity.introspectionClientId needs identity.introspectionClientSecretFile.");
        }

        var secret = (await File.ReadAllTextAsync(identity.IntrospectionClientSecretFile, cancellationToken)).Trim();
        return secret.Length > 0 ? secret : throw new InvalidOperationException($"The introspection secret file {identity.IntrospectionClientSecretFile} is empty.");
    }

    /// <summary>The identity provider's discovery document, named in the OAUTHBEARER error challenges of submission and IMAP (RFC 7628 §3.2.2).</summary>
    private Uri? OpenIdConfiguration =>
        string.IsNullOrWhiteSpace(Config.Identity?.Issuer) ? null : new Uri(new Uri(Config.Identity.Issuer), ".well-known/openid-configuration");

    private async Task StartImapAsync(ILoggerFactory loggerFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var access = new ImapAccess(Store, Store, _credentials!, _throttle, time, loggerFactory.CreateLogger<ImapAccess>());
        var audit = new OpenMss.Imap.Server.StoreAuditSink(Store);
        OpenMss.Imap.Server.ImapServer Create(string listen, OpenMss.Imap.Server.ImapTlsMode mode) => new(
            new OpenMss.Imap.Server.ImapServerOptions
            {
                Endpoint = ParseEndPoint(listen),
                TlsMode = mode,
                ServerCertificate = Certificate,
                HostName = Config.HostName,
                AllowPasswordAuthentication = Config.Imap!.AllowPasswords,
                OpenIdConfiguration = OpenIdConfiguration,
                TokenScope = OpenMss.Identity.IdentityProtocol.MailScope,
            },
            Store,
            Store,
            Store,
            access,
            audit,
            loggerFactory.CreateLogger<OpenMss.Imap.Server.ImapServer>(),
            time);

        _imap = Create(Config.Imap!.Listen, OpenMss.Imap.Server.ImapTlsMode.StartTls);
        await _imap.StartAsync(cancellationToken);
        _owned.Add(_imap);
        if (!string.IsNullOrWhiteSpace(Config.Imap.ImplicitTlsListen))
        {
            _imapTls = Create(Config.Imap.ImplicitTlsListen, OpenMss.Imap.Server.ImapTlsMode.Implicit);
            await _imapTls.StartAsync(cancellationToken);
            _owned.Add(_imapTls);
        }
    }

    private async Task StartSubmissionAsync(
        ILoggerFactory loggerFactory, TrustValidator validator, X509Certificate2 anchor, string[] domains, TimeProvider time, CancellationToken cancellationToken)
    {
        var authenticator = _credentials!;
        var policy = new OpenMss.Smtp.Inbound.Submission.SubmissionPolicy(
            Store, Store, Store, Store,
            authenticator,
            // Everything SMTP submission hands over comes from an authenticated user.
            (from, recipients, raw, envelopeId, full, ct) => Submitter.SubmitAsync(from, recipients, raw, envelopeId, full, DeliverySenderKind.Submission, ct),
            new OpenMss.Smtp.Inbound.Submission.SubmissionPolicyOptions
            {
                ApplicationCertificates = validator,
                LocalDomains = domains,
                Acceptance = _localAcceptance,
                Throttle = _throttle,
                OpenIdConfiguration = OpenIdConfiguration,
                TokenScope = OpenMss.Identity.IdentityProtocol.MailScope,
            },
            loggerFactory,
            time);

        _submission = new SmtpServer(SmtpOptions(Config.Submission!.Listen, implicitTls: false, time), policy, loggerFactory);
        await _submission.StartAsync(cancellationToken);
        _owned.Add(_submission);
        if (!string.IsNullOrWhiteSpace(Config.Submission.ImplicitTlsListen))
        {
            _submissionTls = new SmtpServer(SmtpOptions(Config.Submission.ImplicitTlsListen, implicitTls: true, time), policy, loggerFactory);
            await _submissionTls.StartAsync(cancellationToken);
            _owned.Add(_submissionTls);
        }
    }

    /// <summary>Daily housekeeping: audit events past the retention period are deleted.</summary>
    private async Task MaintainAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromDays(1), time);
        do
        {
            try
            {
                var purged = await Store.PurgeAuditAsync(time.GetUtcNow() - Config.Audit.Retention, cancellationToken);
                if (purged > 0)
                {
                    _logger.LogInformation("Audit trail: {Count} events older than {Days} days deleted", purged, (int)Config.Audit.Retention.TotalDays);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError(e, "Audit trail purge failed; retried tomorrow");
            }
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Fetches the whitelist and (with directory routing) the routing table again now, rather than
    /// at the next periodic refresh: the demo calls it once every operator is registered.
    /// </summary>
    public async Task RefreshTrustSpaceAsync(CancellationToken cancellationToken = default)
    {
        if (_whitelist is not null)
        {
            await _whitelist.RefreshAsync(cancellationToken);
        }

        if (_directoryRoutes is not null)
        {
            await _directoryRoutes.RefreshAsync(cancellationToken);
        }
    }

    /// <summary>A client of the configured directory, authenticated with the operator certificate.</summary>
    public static DirectoryClient CreateDirectoryClient(OperatorConfig config, X509Certificate2 trustAnchor, X509Certificate2 operatorCertificate, IRevocationSource? revocation = null) =>
        new(new DirectoryClientOptions
        {
            BaseUrl = new Uri(config.Directory!.Url!),
            TrustAnchor = trustAnchor,
            ClientCertificate = operatorCertificate,
            ServerName = config.Directory.ServerName,
            Revocation = revocation,
        });

    internal static IRouteResolver BuildRoutes(RoutingConfig routing)
    {
        var table = new StaticRouteTable(routing.Table);
        return routing.Mode switch
        {
            "table" => table,
            "dns" => new DnsMxRouteResolver(routing.DnsPort),
            _ => new CompositeRouteResolver(table, new DnsMxRouteResolver(routing.DnsPort)),
        };
    }

    /// <summary>Parses <c>host:port</c> (IPv4, <c>[IPv6]:port</c> or <c>localhost:port</c>).</summary>
    public static IPEndPoint ParseEndPoint(string value)
    {
        if (value.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            value = "127.0.0.1:" + value["localhost:".Length..];
        }

        if (!IPEndPoint.TryParse(value, out var endPoint) || !value.Contains(':', StringComparison.Ordinal))
        {
            throw new ConfigurationException($"'{value}' is not a host:port listening address.");
        }

        return endPoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_web is not null)
        {
            await _web.DisposeAsync();
        }

        foreach (var owned in Enumerable.Reverse(_owned).Where(o => o is not IMailStore))
        {
            await owned.DisposeAsync();
        }

        try
        {
            await _workerTask;
            await _maintenanceTask;
        }
        catch (OperationCanceledException)
        {
            // The worker ends by cancellation.
        }

        foreach (var owned in Enumerable.Reverse(_ownedSync))
        {
            owned.Dispose();
        }

        if (Store is not null)
        {
            await Store.DisposeAsync();
        }

        _stopping.Dispose();
    }
}
