using System.Text.Json;
using System.Text.Json.Serialization;
using OpenMss.Storage;

namespace OpenMss.Host.Configuration;

/// <summary>
/// The configuration file of one OpenMSS operator node (<c>openmss serve --config file.json</c>).
/// Documented in <c>docs/configuration.md</c>; relative paths are resolved against the file's folder.
/// The patient space is an operator too, with a few more settings (<see cref="PatientSpaceConfig"/>).
/// </summary>
public class OperatorConfig
{
    /// <summary><c>operator</c>: the key by which <c>openmss serve</c> tells the services' files apart (optional in an operator file).</summary>
    public virtual string Service => ConfigurationFile.Operator;

    /// <summary>The operator's display name, e.g. <c>Opérateur des pharmaciens</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>The mail domains this operator hosts, all under <c>.mssante.fr</c>.</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>The name the node gives itself in greetings, trace headers and notifications.</summary>
    public string HostName { get; set; } = "localhost";

    public RelayConfig Relay { get; set; } = new();

    public WebConfig Web { get; set; } = new();

    public StorageConfig Storage { get; set; } = new();

    public TlsConfig Tls { get; set; } = new();

    public WhitelistConfig Whitelist { get; set; } = new();

    public RoutingConfig Routing { get; set; } = new();

    public QueueConfig Queue { get; set; } = new();

    public AuditConfig Audit { get; set; } = new();

    /// <summary>SMTP submission for mail clients and business software (RFC 6409). Optional.</summary>
    public SubmissionConfig? Submission { get; set; }

    /// <summary>IMAP for mail clients and business software (RFC 3501). Optional.</summary>
    public ImapConfig? Imap { get; set; }

    /// <summary>How professionals authenticate: the OpenID Connect issuer, and optionally its accounts for passwords.</summary>
    public IdentityConfig? Identity { get; set; }

    /// <summary>The national directory this operator publishes to and takes its routing from. Optional.</summary>
    public DirectoryConfig? Directory { get; set; }

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads a configuration file and resolves its relative paths against its folder.</summary>
    /// <exception cref="ConfigurationException">The file is missing, malformed or incomplete.</exception>
    public static OperatorConfig Load(string path) => Load<OperatorConfig>(path);

    /// <summary>Reads a configuration file of an operator kind, resolves its relative paths and validates it.</summary>
    protected static T Load<T>(string path)
        where T : OperatorConfig
    {
        var config = ConfigurationFile.Read<T>(path);
        config.ResolvePaths(Path.GetDirectoryName(Path.GetFullPath(path))!);
        config.Validate();
        return config;
    }

    /// <summary>Writes the file owner-only (0600): a PostgreSQL connection string may carry a password.</summary>
    public void Save(string path) => ConfigurationFile.Write(path, this);

    /// <summary>Checks what the node cannot start without, with a message an administrator can act on.</summary>
    public virtual void Validate()
    {
        if (Domains.Count == 0)
        {
            throw new ConfigurationException("'domains' must list at least one mail domain.");
        }

        foreach (var domain in Domains)
        {
            if (!OpenMss.Core.Addressing.MssDomains.IsTrustSpaceDomain(domain))
            {
                throw new ConfigurationException($"'domains': {domain} is not a domain under .mssante.fr.");
            }
        }

        Require(Tls.Certificate, "tls.certificate");
        Require(Tls.Key, "tls.key");
        Require(Tls.TrustAnchor, "tls.trustAnchor");
        if (string.IsNullOrWhiteSpace(Web.Certificate) != string.IsNullOrWhiteSpace(Web.Key))
        {
            throw new ConfigurationException("'web.certificate' and 'web.key' go together.");
        }

        Require(Whitelist.Source, "whitelist.source");
        Require(Storage.ConnectionString, "storage.connectionString");
        ConfigurationFile.RequireStorageProvider(Storage.Provider, "storage.provider");

        if (Audit.Retention < TimeSpan.FromDays(180))
        {
            throw new ConfigurationException("'audit.retention' must be at least 180 days (six months).");
        }

        if (Routing.Mode is not ("table" or "dns" or "table+dns" or "directory"))
        {
            throw new ConfigurationException("'routing.mode' must be 'table', 'dns', 'table+dns' or 'directory'.");
        }

        if (Queue.MaxConcurrentDeliveries < 1 || Queue.MaxConcurrentDeliveriesPerDestination < 1)
        {
            throw new ConfigurationException("'queue.maxConcurrentDeliveries' and 'queue.maxConcurrentDeliveriesPerDestination' must be at least 1.");
        }

        if (Queue.LeaseDuration < TimeSpan.FromSeconds(30))
        {
            throw new ConfigurationException("'queue.leaseDuration' must be at least 30 seconds.");
        }

        if (Identity?.Issuer is { Length: > 0 } issuerText && !(Uri.TryCreate(issuerText, UriKind.Absolute, out var issuer) && issuer.Scheme == Uri.UriSchemeHttps))
        {
            throw new ConfigurationException("'identity.issuer' must be an absolute https URL.");
        }

        if (Identity is not null && !string.IsNullOrWhiteSpace(Identity.IntrospectionClientId) && string.IsNullOrWhiteSpace(Identity.IntrospectionClientSecretFile))
        {
            throw new ConfigurationException("'identity.introspectionClientId' needs 'identity.introspectionClientSecretFile'.");
        }

        // Throws for a holder that is neither kind.
        _ = Identity?.TokenHolder;

        if (Routing.Mode == "directory" && string.IsNullOrWhiteSpace(Directory?.Url))
        {
            throw new ConfigurationException("'routing.mode' 'directory' needs 'directory.url'.");
        }
    }

    private static void Require(string? value, string key) => ConfigurationFile.Require(value, key);

    /// <summary>Resolves the file's relative paths against its folder.</summary>
    protected virtual void ResolvePaths(string baseDirectory)
    {
        string? Resolve(string? p) => ConfigurationFile.Resolve(p, baseDirectory);

        Tls.Certificate = Resolve(Tls.Certificate);
        Tls.Key = Resolve(Tls.Key);
        Tls.TrustAnchor = Resolve(Tls.TrustAnchor);
        Tls.Crl = Resolve(Tls.Crl);
        Web.Certificate = Resolve(Web.Certificate);
        Web.Key = Resolve(Web.Key);
        Whitelist.Source = Resolve(Whitelist.Source);
        Storage.EncryptionKeyFile = Resolve(Storage.EncryptionKeyFile);
        if (Identity is not null)
        {
            Identity.AccountsDatabase = Resolve(Identity.AccountsDatabase);
            Identity.IntrospectionClientSecretFile = Resolve(Identity.IntrospectionClientSecretFile);
        }
        Storage.ConnectionString = ConfigurationFile.ResolveSqlite(Storage.Provider, Storage.ConnectionString, baseDirectory);
    }
}

/// <summary>The operator-to-operator SMTP relay listener (RFC 5321, STARTTLS and mutual TLS).</summary>
public sealed class RelayConfig
{
    /// <summary><c>host:port</c>; port 0 picks a free port.</summary>
    public string Listen { get; set; } = "127.0.0.1:25";

    public long MaxMessageSize { get; set; } = 25L * 1024 * 1024;

    public int MaxSessions { get; set; } = 1000;

    /// <summary>Concurrent sessions from one client address (relay and submission); 0 = no per-address limit.</summary>
    public int MaxSessionsPerAddress { get; set; }

    public int MaxRecipients { get; set; } = 100;

    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>The node's HTTPS endpoint: <c>/health</c>, <c>/metrics</c>, mail client autoconfiguration.</summary>
public sealed class WebConfig
{
    /// <summary><c>host:port</c>; port 0 picks a free port.</summary>
    public string Listen { get; set; } = "127.0.0.1:8080";

    /// <summary>
    /// The endpoint's server certificate (PEM), issued by the trust authority for <see cref="PublicHost"/>.
    /// Default: the operator certificate of <c>tls.certificate</c>.
    /// </summary>
    public string? Certificate { get; set; }

    /// <summary>Its private key (PEM); required with <see cref="Certificate"/>.</summary>
    public string? Key { get; set; }

    /// <summary>The host name in the endpoint's URL (one the certificate names). Default: the listen address.</summary>
    public string? PublicHost { get; set; }

    /// <summary>
    /// Production (the default): answers carry HSTS (RFC 6797). Turn it off only on loopback (the
    /// demo), where a browser would otherwise pin HTTPS for <c>localhost</c>.
    /// </summary>
    public bool Production { get; set; } = true;
}

public sealed class StorageConfig
{
    /// <summary><c>sqlite</c> (embedded default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>A SQLite file path or connection string, or an Npgsql connection string.</summary>
    public string ConnectionString { get; set; } = "openmss.db";

    /// <summary>The 32-byte AES-GCM key file that encrypts messages at rest (kept outside the database).</summary>
    public string? EncryptionKeyFile { get; set; }

    /// <summary>
    /// The durable consumers of the delivery outbox (<see cref="StorageOptions.OutboxConsumers"/>);
    /// every node and CLI sharing the database lists the same names. Empty: no outbox row is written.
    /// </summary>
    public List<string> OutboxConsumers { get; set; } = [];

    /// <summary>The store's options: what every process opening this operator's store uses.</summary>
    public StorageOptions ToStorageOptions() => new()
    {
        Provider = Provider,
        ConnectionString = ConnectionString,
        EncryptionKeyFile = EncryptionKeyFile,
        OutboxConsumers = [.. OutboxConsumers],
    };
}

public sealed class TlsConfig
{
    /// <summary>The operator certificate (PEM): server certificate of the listeners and client certificate of the queue.</summary>
    public string? Certificate { get; set; }

    /// <summary>Its private key (PEM).</summary>
    public string? Key { get; set; }

    /// <summary>The trust space's root certificate (PEM).</summary>
    public string? TrustAnchor { get; set; }

    /// <summary>The trust authority's CRL: a file path or an http(s) URL. Optional.</summary>
    public string? Crl { get; set; }

    public TimeSpan CrlRefresh { get; set; } = TimeSpan.FromMinutes(15);
}

public sealed class WhitelistConfig
{
    /// <summary>The liste blanche XML: a file path or an http(s) URL.</summary>
    public string? Source { get; set; }

    public TimeSpan Refresh { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class RoutingConfig
{
    /// <summary><c>table</c> (configured endpoints), <c>dns</c> (MX records) or <c>table+dns</c>.</summary>
    public string Mode { get; set; } = "dns";

    /// <summary>Domain → <c>host:port</c> of the destination operator's relay.</summary>
    public Dictionary<string, string> Table { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The port used for hosts found by MX lookup.</summary>
    public int DnsPort { get; set; } = 25;
}

/// <summary>The audit trail.</summary>
public sealed class AuditConfig
{
    /// <summary>How long audit events are kept (default one year; the operators' rules ask for six months at least).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(365);
}

/// <summary>The submission listeners: STARTTLS (587) and implicit TLS (465).</summary>
public sealed class SubmissionConfig
{
    /// <summary><c>host:port</c> of the STARTTLS listener (RFC 6409); port 0 picks a free port.</summary>
    public string Listen { get; set; } = "127.0.0.1:587";

    /// <summary><c>host:port</c> of the implicit-TLS listener (RFC 8314), or null for none.</summary>
    public string? ImplicitTlsListen { get; set; } = "127.0.0.1:465";

    /// <summary>
    /// Accept PLAIN/LOGIN with a password (checked against <c>identity.accountsDatabase</c>).
    /// Off by default: production uses access tokens (OAUTHBEARER/XOAUTH2) only.
    /// </summary>
    public bool AllowPasswords { get; set; }
}

/// <summary>The IMAP listeners: STARTTLS (143) and implicit TLS (993).</summary>
public sealed class ImapConfig
{
    public string Listen { get; set; } = "127.0.0.1:143";

    public string? ImplicitTlsListen { get; set; } = "127.0.0.1:993";

    /// <summary>Accept LOGIN/PLAIN with a password (demo); production uses access tokens only.</summary>
    public bool AllowPasswords { get; set; }
}

/// <summary>The identity provider (Pro Santé Connect or OpenMSS's stand-in).</summary>
public sealed class IdentityConfig
{
    /// <summary>The OpenID Connect issuer whose JWT access tokens are accepted.</summary>
    public string? Issuer { get; set; }

    /// <summary>
    /// Whose tokens IMAP and submission accept: <c>professional</c> (the default: an operator of
    /// professionals, a patient's token is refused) or <c>patient</c> (the patient space: only
    /// patients' tokens, with their <c>ins</c> claim).
    /// </summary>
    public string Holder { get; set; } = "professional";

    /// <summary>The audience access tokens must carry; default <c>openmss-mail</c>, or <c>openmss-patient-mail</c> when <see cref="Holder"/> is <c>patient</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>The <see cref="Holder"/> as the validator's switch.</summary>
    internal OpenMss.Identity.Validation.TokenHolder TokenHolder => Holder switch
    {
        "patient" => OpenMss.Identity.Validation.TokenHolder.Patient,
        "professional" => OpenMss.Identity.Validation.TokenHolder.Professional,
        _ => throw new ConfigurationException("'identity.holder' must be \"professional\" or \"patient\"."),
    };

    /// <summary>The audience required: <see cref="Audience"/>, else the holder's own.</summary>
    internal string EffectiveAudience => Audience
        ?? (TokenHolder == OpenMss.Identity.Validation.TokenHolder.Patient ? OpenMss.Identity.IdentityProtocol.PatientMailAudience : OpenMss.Identity.IdentityProtocol.MailAudience);

    /// <summary>The identity provider's account database (SQLite file), for password logins where allowed.</summary>
    public string? AccountsDatabase { get; set; }

    /// <summary>
    /// The client id with which the mail servers ask the issuer's introspection endpoint (RFC 7662)
    /// whether a token is still active, so that a disabled or deleted account's token is refused
    /// within <see cref="IntrospectionCache"/> instead of at its expiry. Null: signature checks only.
    /// </summary>
    public string? IntrospectionClientId { get; set; }

    /// <summary>A file holding that client's secret (keep it 0600; secrets stay out of this configuration).</summary>
    public string? IntrospectionClientSecretFile { get; set; }

    /// <summary>How long an introspection answer is reused (at most 5 minutes).</summary>
    public TimeSpan IntrospectionCache { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The national directory (annuaire): publication of mailboxes, routing table.</summary>
public sealed class DirectoryConfig
{
    /// <summary>Its base URL, e.g. <c>https://annuaire.mssante.fr/</c>.</summary>
    public string? Url { get; set; }

    /// <summary>The name its server certificate must carry (defaults to the URL's host).</summary>
    public string? ServerName { get; set; }

    /// <summary>Publish mailboxes when they are created, changed or deleted.</summary>
    public bool Publish { get; set; } = true;

    /// <summary>How often the routing table is fetched again (an unknown domain also triggers a fetch).</summary>
    public TimeSpan RoutingRefresh { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class QueueConfig
{
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan DelayNotificationAfter { get; set; } = TimeSpan.FromHours(4);

    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(5);

    public int MaxConcurrentDeliveries { get; set; } = 8;

    /// <summary>At most this many deliveries to one destination domain at a time, so one slow operator does not hold up the others.</summary>
    public int MaxConcurrentDeliveriesPerDestination { get; set; } = 4;

    /// <summary>How long a message waits when its destination already has its share of deliveries in progress.</summary>
    public TimeSpan BusyDestinationDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a node holds a queue entry it works on; renewed while the delivery lasts, taken over by another node if it dies.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>The configuration is missing or wrong; the message says what to fix.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
