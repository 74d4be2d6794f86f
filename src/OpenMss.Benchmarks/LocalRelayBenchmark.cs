using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Core;
using OpenMss.Host;
using OpenMss.Host.Configuration;
using OpenMss.Storage;
using OpenMss.Trust;

namespace OpenMss.Benchmarks;

/// <summary>What <see cref="LocalRelayBenchmark.RunAsync"/> sets up and how it loads it.</summary>
public sealed record LocalRelayBenchmarkOptions
{
    /// <summary>
    /// A PostgreSQL connection string to a server where the benchmark may create (and afterwards
    /// drop) a throwaway database; null for SQLite in the temporary folder.
    /// </summary>
    public string? PostgresAdminConnectionString { get; init; }

    /// <summary>Concurrent sessions; also the number of mailboxes created (one per session).</summary>
    public int Connections { get; init; } = 16;

    /// <summary>Approximate size of each message in bytes.</summary>
    public int MessageSize { get; init; } = 8192;

    /// <summary>Load before the measured window; not counted.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The measured window (unless <see cref="Messages"/> is set).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>When set, the window ends after this many accepted messages instead of after <see cref="Duration"/>.</summary>
    public long? Messages { get; init; }

    /// <summary>Durable outbox consumers to register (<see cref="StorageConfig.OutboxConsumers"/>): what a delivery costs with an outbox row per copy. None by default.</summary>
    public IReadOnlyList<string> OutboxConsumers { get; init; } = [];

    /// <summary>Where the operator logs (warnings and above are enough for a benchmark); none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// A self-contained relay benchmark (docs/benchmarks.md): a throwaway trust space in a temporary folder (its own
/// authority, two operator certificates, a whitelist), one operator <see cref="OperatorNode"/> with
/// one mailbox per session, loaded by <see cref="RelayLoad"/> from this same process as a peer
/// operator on the same machine would. Everything it created is removed afterwards.
/// </summary>
public static class LocalRelayBenchmark
{
    /// <summary>The receiving operator's domain.</summary>
    public const string ReceiverDomain = "medecin.mssante.fr";

    /// <summary>Runs the benchmark; the process CPU in the result includes the operator's and the load generator's.</summary>
    public static async Task<RelayLoadResult> RunAsync(LocalRelayBenchmarkOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Check the load's values before creating anything.
        RelayLoadOptions.ValidateLoad(options.Connections, options.MessageSize, options.Warmup, options.Duration, options.Messages);

        var work = System.IO.Directory.CreateTempSubdirectory("openmss-bench-");
        string? database = null;
        try
        {
            using var ca = CertificateAuthority.Create("Bench Trust Authority");
            var receiver = ca.IssueOperatorCertificate("Médecins", [ReceiverDomain]);
            var sender = ca.IssueOperatorCertificate("Pharmaciens", ["pharmacien.mssante.fr"]);
            string Write(string name, string text)
            {
                var path = Path.Combine(work.FullName, name);
                File.WriteAllText(path, text);
                return path;
            }

            receiver.Save(Path.Combine(work.FullName, "op.pem"), Path.Combine(work.FullName, "op.key"));
            StorageConfig storage;
            if (options.PostgresAdminConnectionString is { } admin)
            {
                var name = "openmss_bench_" + Guid.NewGuid().ToString("N")[..8];
                await ExecuteAsync(admin, $"CREATE DATABASE {name}", cancellationToken).ConfigureAwait(false);
                database = name; // only now is there something to drop
                storage = new StorageConfig
                {
                    Provider = "postgres",
                    ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString,
                    EncryptionKeyFile = Path.Combine(work.FullName, "message.key"),
                };
            }
            else
            {
                storage = new StorageConfig { Provider = "sqlite", ConnectionString = Path.Combine(work.FullName, "bench.db") };
            }

            storage.OutboxConsumers = [.. options.OutboxConsumers];
            var config = new OperatorConfig
            {
                Name = "Médecins",
                Domains = [ReceiverDomain],
                HostName = "mx." + ReceiverDomain,
                Relay = new RelayConfig { Listen = "127.0.0.1:0", MaxSessions = 1000 },
                Web = new WebConfig { Listen = "127.0.0.1:0" },
                Storage = storage,
                Tls = new TlsConfig
                {
                    Certificate = Path.Combine(work.FullName, "op.pem"),
                    Key = Path.Combine(work.FullName, "op.key"),
                    TrustAnchor = Write("ca.pem", ca.Certificate.ExportCertificatePem()),
                },
                Whitelist = new WhitelistConfig { Source = Write("whitelist.xml", Whitelist.ToXml([ReceiverDomain, "pharmacien.mssante.fr"])) },
                Routing = new RoutingConfig { Mode = "table" },
            };

            await using var node = await OperatorNode.StartAsync(config, options.LoggerFactory ?? NullLoggerFactory.Instance, cancellationToken: cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < options.Connections; i++)
            {
                await node.Store.CreateMailboxAsync(new NewMailbox($"dr{i}@{ReceiverDomain}", MailboxKind.Personal), cancellationToken).ConfigureAwait(false);
            }

            using var anchor = ca.PublicCertificate;
            return await RelayLoad.RunAsync(
                LoadOptions(options, node.RelayEndPoint.Address.ToString(), node.RelayEndPoint.Port, sender.Certificate, anchor),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (database is not null && options.PostgresAdminConnectionString is { } admin)
            {
                // The node is stopped; pooled connections to the database would block DROP.
                Npgsql.NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
            }

            work.Delete(recursive: true);
        }
    }

    private static RelayLoadOptions LoadOptions(
        LocalRelayBenchmarkOptions options,
        string host,
        int port,
        System.Security.Cryptography.X509Certificates.X509Certificate2 client,
        System.Security.Cryptography.X509Certificates.X509Certificate2 anchor) => new()
    {
        Host = host,
        Port = port,
        ClientCertificate = client,
        TrustAnchor = anchor,
        RecipientDomain = ReceiverDomain,
        Connections = options.Connections,
        MessageSize = options.MessageSize,
        Warmup = options.Warmup,
        Duration = options.Duration,
        Messages = options.Messages,
    };

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        var connection = new Npgsql.NpgsqlConnection(connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new Npgsql.NpgsqlCommand(sql, connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
