namespace OpenMss.Storage;

/// <summary>
/// Where and how the operator's store is kept (the <c>storage</c> section of the configuration).
/// </summary>
public sealed class StorageOptions
{
    /// <summary>The provider name for the embedded SQLite backend (the default).</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The provider name for the PostgreSQL backend.</summary>
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c> (case-insensitive; <c>postgresql</c> is accepted).</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// SQLite: a file path (e.g. <c>data/openmss.db</c>) or a full connection string
    /// (<c>Data Source=data/openmss.db</c>). PostgreSQL: an Npgsql connection string.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The file holding the 32-byte AES-256-GCM key that encrypts messages at rest, created with
    /// mode 0600 when missing. Optional for SQLite (defaults to <c>&lt;database file&gt;.key</c>),
    /// required for PostgreSQL, whose key must not live with the database.
    /// </summary>
    public string? EncryptionKeyFile { get; set; }

    /// <summary>
    /// The durable consumers of the delivery outbox (e.g. <c>patient-notifications</c>): every
    /// delivery writes one outbox row per copy for each (see <see cref="IDeliveryOutbox"/>). Empty by
    /// default: no row is written. Every node sharing a database must list the same names.
    /// </summary>
    public IList<string> OutboxConsumers { get; set; } = new List<string>();
}
