using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using OpenMss.Storage.Sql;

namespace OpenMss.Storage.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode with <c>synchronous=FULL</c> (a commit is on
/// disk before it is acknowledged, power loss included), one writer connection fed by the group
/// committer, and a small pool of read-only connections that read alongside it.
/// </summary>
internal sealed partial class SqliteMailStore : SqlMailStore
{
    private const int BusyTimeoutMilliseconds = 10_000;

    private static readonly IReadOnlyList<Migration> AllMigrations = Migrations.Load("sqlite");
    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    private readonly string connectionString;
    private const long ReaderMmapBytes = 1L << 30;

    private readonly Channel<DbSession> idleReaders = Channel.CreateUnbounded<DbSession>();
    private readonly int maxReaders = Math.Clamp(Environment.ProcessorCount * 2, 4, 16);
    private int openedReaders;
    private volatile bool closed;

    public SqliteMailStore(string connectionString, MessageCipher cipher, bool ownsCipher, ILogger logger, TimeProvider timeProvider)
        : base(cipher, ownsCipher, logger, timeProvider)
    {
        this.connectionString = connectionString;
    }

    internal override int LatestSchemaVersion => AllMigrations.Count;

    protected override string LeaseDueSql { get; } =
        "UPDATE queue_entries SET lease_owner = @owner, lease_until = @until WHERE id IN (" +
        "SELECT id FROM queue_entries WHERE next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now) " +
        "ORDER BY next_attempt_at, id LIMIT @max) " +
        $"RETURNING {QueueColumns}";

    // One writer: no row lock to skip.
    protected override string LeaseOutboxSql { get; } =
        "UPDATE delivery_outbox SET lease_owner = @owner, lease_until = @until WHERE id IN (" +
        "SELECT id FROM delivery_outbox WHERE consumer = @consumer AND (lease_until IS NULL OR lease_until <= @now) ORDER BY id LIMIT @max)";

    /// <summary>
    /// Turns the configured value (a path, or a connection string) into the connection string the
    /// store uses, and gives the absolute database path.
    /// </summary>
    public static string BuildConnectionString(string configured, out string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configured);
        var builder = configured.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(configured)
            : new SqliteConnectionStringBuilder { DataSource = configured };
        if (string.IsNullOrWhiteSpace(builder.DataSource)
            || builder.DataSource == ":memory:"
            || builder.Mode == SqliteOpenMode.Memory
            || builder.Mode == SqliteOpenMode.ReadOnly)
        {
            throw new ArgumentException(
                "The SQLite store needs a database file it can write (an in-memory or read-only database cannot be durable).",
                nameof(configured));
        }

        databasePath = Path.GetFullPath(builder.DataSource);
        builder.DataSource = databasePath;
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        // Connections are long-lived and pooled by the store itself.
        builder.Pooling = false;
        builder.DefaultTimeout = BusyTimeoutMilliseconds / 1000;
        return builder.ToString();
    }

    internal override async Task MigrateAsync(int targetVersion, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(
            $"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout={BusyTimeoutMilliseconds};", cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await Execute(connection, null,
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                cancellationToken).ConfigureAwait(false);
            foreach (var migration in AllMigrations)
            {
                // BEGIN IMMEDIATE takes the write lock first: a second process migrating the same
                // file waits, then sees the version already applied.
                var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var current = await CurrentVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                    if (current > LatestSchemaVersion)
                    {
                        throw new SchemaTooNewException((int)current, LatestSchemaVersion);
                    }

                    if (migration.Version > targetVersion || current >= migration.Version)
                    {
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await Execute(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
                    var command = connection.CreateCommand();
                    await using (command.ConfigureAwait(false))
                    {
                        command.Transaction = transaction;
                        command.CommandText = "INSERT INTO schema_version (version, name, applied_at) VALUES (@version, @name, @at)";
                        command.With("version", migration.Version).With("name", migration.Name).With("at", TimeValue(Time.GetUtcNow()));
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    LogMigrationApplied(Logger, migration.Version, migration.Name);
                }
            }
        }
    }

    protected override async ValueTask<DbSession> OpenWriterSessionAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(
            $"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout={BusyTimeoutMilliseconds}; " +
            "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32000;",
            cancellationToken).ConfigureAwait(false);
        return new DbSession(connection);
    }

    protected override async ValueTask<DbSession> OpenReaderAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(closed, this);
        if (idleReaders.Reader.TryRead(out var idle))
        {
            return idle;
        }

        if (Interlocked.Increment(ref openedReaders) <= maxReaders)
        {
            try
            {
                // Readers map the file (address space only, shared with the OS page cache): a body
                // SEARCH reading every message's search text runs twice as fast as with read() calls.
                var connection = await OpenAsync(
                    $"PRAGMA busy_timeout={BusyTimeoutMilliseconds}; PRAGMA query_only=ON; PRAGMA cache_size=-8000; PRAGMA mmap_size={ReaderMmapBytes};",
                    cancellationToken).ConfigureAwait(false);
                return new DbSession(connection, ReturnReaderAsync);
            }
            catch
            {
                Interlocked.Decrement(ref openedReaders);
                throw;
            }
        }

        Interlocked.Decrement(ref openedReaders);
        try
        {
            return await idleReaders.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ObjectDisposedException("The store is closed.", ex);
        }
    }

    protected override object TimeValue(DateTimeOffset value) => (value.UtcTicks - UnixEpochTicks) / 10;

    protected override DateTimeOffset GetTime(DbDataReader reader, int ordinal) =>
        new(UnixEpochTicks + (reader.GetInt64(ordinal) * 10), TimeSpan.Zero);

    protected override async ValueTask DisposeConnectionsAsync()
    {
        closed = true;
        idleReaders.Writer.TryComplete();
        while (idleReaders.Reader.TryRead(out var session))
        {
            await session.CloseAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask ReturnReaderAsync(DbSession session)
    {
        if (!idleReaders.Writer.TryWrite(session))
        {
            await session.CloseAsync().ConfigureAwait(false);
        }
    }

    private async Task<SqliteConnection> OpenAsync(string pragmas, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await Execute(connection, null, pragmas, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<long> CurrentVersionAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    private static async Task Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied SQLite schema migration {Version} ({Name})")]
    private static partial void LogMigrationApplied(ILogger logger, int version, string name);
}
