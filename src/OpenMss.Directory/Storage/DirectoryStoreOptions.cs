namespace OpenMss.Directory;

/// <summary>Where the directory is kept: the embedded SQLite file or a PostgreSQL database.</summary>
public sealed class DirectoryStoreOptions
{
    /// <summary>The provider name of the embedded SQLite backend (the default).</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The provider name of the PostgreSQL backend.</summary>
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c> (case-insensitive; <c>postgresql</c> is accepted).</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// SQLite: a file path (e.g. <c>data/directory.db</c>) or a connection string (<c>Data Source=…</c>).
    /// PostgreSQL: an Npgsql connection string. The directory's tables are prefixed <c>dir_</c>, so it may
    /// share a database with an operator's store.
    /// </summary>
    public string ConnectionString { get; set; } = "";
}
