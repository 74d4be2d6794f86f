namespace OpenMss.PatientSpace.Registry;

/// <summary>Where the patient registry is kept: a SQLite file or a PostgreSQL database, and the key that seals personal data.</summary>
public sealed class PatientRegistryOptions
{
    /// <summary>The provider name of the embedded SQLite backend (the default).</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The provider name of the PostgreSQL backend.</summary>
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// SQLite: a file path or a connection string. PostgreSQL: an Npgsql connection string. The tables
    /// are prefixed <c>pat_</c>, so the registry may share a database with the operator's mail store.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The 32-byte AES-256-GCM key file (<see cref="OpenMss.Storage.MessageCipher"/>) that seals names,
    /// date of birth, e-mail addresses and card serial numbers. The patient space uses its mail
    /// store's key file: one key to keep outside the database.
    /// </summary>
    public string EncryptionKeyFile { get; set; } = "";
}
