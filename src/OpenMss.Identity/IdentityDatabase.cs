using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace OpenMss.Identity;

/// <summary>Which database engine holds the identity provider's tables.</summary>
public enum IdentityDatabaseKind
{
    /// <summary>An embedded SQLite file (the default, used by the demo).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database (production).</summary>
    Postgres,
}

/// <summary>
/// Where the identity provider keeps its accounts, sign-in audit, failed sign-in counters and OpenIddict tables
/// (applications, authorizations, tokens): a SQLite file or a PostgreSQL database. The tables are
/// created on first use; they can share a PostgreSQL database with other OpenMSS parts.
/// </summary>
public sealed class IdentityDatabase
{
    private IdentityDatabase(IdentityDatabaseKind kind, string connectionString, string description)
    {
        Kind = kind;
        ConnectionString = connectionString;
        _description = description;
    }

    private readonly string _description;

    /// <summary>The engine.</summary>
    public IdentityDatabaseKind Kind { get; }

    internal string ConnectionString { get; }

    /// <summary>A SQLite file (created when missing, with its folder).</summary>
    public static IdentityDatabase Sqlite(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        };
        return new IdentityDatabase(IdentityDatabaseKind.Sqlite, builder.ToString(), "sqlite:" + fullPath);
    }

    /// <summary>A PostgreSQL database, as an Npgsql connection string. The database must exist.</summary>
    public static IdentityDatabase Postgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return new IdentityDatabase(IdentityDatabaseKind.Postgres, builder.ConnectionString,
            $"postgres:{builder.Host}:{builder.Port}/{builder.Database}");
    }

    internal void Configure(DbContextOptionsBuilder options)
    {
        switch (Kind)
        {
            case IdentityDatabaseKind.Sqlite:
                options.UseSqlite(ConnectionString);
                break;
            case IdentityDatabaseKind.Postgres:
                options.UseNpgsql(ConnectionString);
                break;
            default:
                throw new InvalidOperationException($"Unknown database kind {Kind}.");
        }
    }

    internal string SqliteFilePath => new SqliteConnectionStringBuilder(ConnectionString).DataSource;

    /// <summary>The engine and location, never the password of a connection string.</summary>
    public override string ToString() => _description;
}
