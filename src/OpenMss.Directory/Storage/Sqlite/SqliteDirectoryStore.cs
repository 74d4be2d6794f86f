using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using OpenMss.Directory.Storage.Sql;
using OpenMss.Storage.Sql;

namespace OpenMss.Directory.Storage.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode (readers go on while an import or a publication
/// writes). An import is one write transaction of prepared inserts with a large page cache.
/// </summary>
internal sealed partial class SqliteDirectoryStore : SqlDirectoryStore
{
    private const int BusyTimeoutSeconds = 60;

    private static readonly IReadOnlyList<Migration> AllMigrations = DirectoryMigrations.Load("sqlite");

    private readonly string connectionString;

    public SqliteDirectoryStore(string configured, ILogger logger, TimeProvider timeProvider)
        : base(logger, timeProvider)
    {
        connectionString = BuildConnectionString(configured, out var path);
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            System.IO.Directory.CreateDirectory(directory);
        }

        if (!File.Exists(path) && !OperatingSystem.IsWindows())
        {
            // The audit trail and the liste rouge entries are not public: the database (and the -wal
            // and -shm files, which SQLite creates with the database's mode) is the owner's only.
            // SQLite takes an empty file for an empty database.
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
    }

    /// <summary>Turns a file path or a connection string into the connection string the store uses.</summary>
    internal static string BuildConnectionString(string configured, out string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configured);
        var builder = configured.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(configured)
            : new SqliteConnectionStringBuilder { DataSource = configured };
        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException("The SQLite directory store needs a database file.", nameof(configured));
        }

        databasePath = Path.GetFullPath(builder.DataSource);
        builder.DataSource = databasePath;
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        builder.Pooling = true;
        builder.DefaultTimeout = BusyTimeoutSeconds;
        return builder.ToString();
    }

    public override async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA journal_mode=WAL", null, cancellationToken);
        await ApplyMigrationsAsync(
            connection,
            AllMigrations,
            "CREATE TABLE IF NOT EXISTS dir_schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
            "SQLite",
            cancellationToken);
    }

    // CROSS JOIN: SQLite keeps the written loop order.
    protected override string MailboxesOf(string ids) => $"({ids}) i CROSS JOIN {Mailboxes} m ON m.id = i.mailbox_id";

    protected override string NoIndex(string column) => "+" + column;

    // One pass per field, grouped by term only: the primary key's order, where GROUP BY term, field would
    // sort the 2.7 million terms of a full import in a temporary B-tree (memory during the import).
    protected override string TermStatsSelect(string terms) =>
        $"SELECT term, field, n FROM (" +
        $"SELECT term, {EntryRow.ProfessionalField} AS field, SUM(field = {EntryRow.ProfessionalField}) AS n FROM {terms} GROUP BY term " +
        $"UNION ALL SELECT term, {EntryRow.StructureField}, SUM(field = {EntryRow.StructureField}) FROM {terms} GROUP BY term " +
        $"UNION ALL SELECT term, {EntryRow.TownField}, SUM(field = {EntryRow.TownField}) FROM {terms} GROUP BY term) WHERE n > 0";

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // Reads through a memory map: the pages are shared by the pooled connections (the OS cache) instead
            // of being copied into each connection's small page cache.
            await connection.ExecuteAsync("PRAGMA mmap_size=268435456", null, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override async Task<long> NextPublicationIdAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        // Under the write lock (BEGIN IMMEDIATE): no other writer can take the same id.
        var max = await connection.ScalarLongAsync($"SELECT MAX(id) FROM {Mailboxes} WHERE id > @base", transaction, cancellationToken, ("base", EntryRow.PublicationIdBase));
        return Math.Max(max, EntryRow.PublicationIdBase) + 1;
    }

    protected override async Task<(DbConnection Connection, DbTransaction Transaction)> BeginReplaceAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            // A bulk load: a big page cache for the index builds. synchronous stays NORMAL (WAL): a crash may
            // lose the import, never corrupt the file; the previous directory is intact until the commit.
            // No memory map here: the pages an import touches would count in its working set.
            await connection.ExecuteAsync("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-131072; PRAGMA temp_store=FILE; PRAGMA mmap_size=0", null, cancellationToken);
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return (connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override async Task CreateStagingTablesAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        foreach (var table in ReplacedTables)
        {
            await connection.ExecuteAsync($"DROP TABLE IF EXISTS {table}_next", transaction, cancellationToken);
            await using var command = connection.Command("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = @name", transaction).With("name", table);
            var definition = (string?)await command.ExecuteScalarAsync(cancellationToken)
                ?? throw new InvalidOperationException($"The directory table {table} is missing; run the migrations first.");
            var open = definition.IndexOf('(', StringComparison.Ordinal);
            await connection.ExecuteAsync($"CREATE TABLE {table}_next {definition[open..]}", transaction, cancellationToken);
        }
    }

    protected override async Task<IReadOnlyList<string>> IndexDefinitionsAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = @table AND sql IS NOT NULL ORDER BY name", transaction)
            .With("table", table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    protected override Task AnalyzeAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken) =>
        connection.ExecuteAsync($"PRAGMA analysis_limit=1000; ANALYZE {table}", transaction, cancellationToken);

    protected override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken); // Microsoft.Data.Sqlite begins IMMEDIATE unless told "deferred"

    protected override Task<IStagingWriter> OpenStagingWriterAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var rows = (SqliteCommand)connection.Command(EntryRow.InsertSql(NextMailboxes), transaction);
        var terms = (SqliteCommand)connection.Command($"INSERT OR IGNORE INTO {NextTerms} (term, mailbox_id, field) VALUES (@term, @id, @field)", transaction);
        var rowParameters = new SqliteParameter[EntryRow.Columns.Length];
        for (var i = 0; i < rowParameters.Length; i++)
        {
            rowParameters[i] = rows.Parameters.Add(new SqliteParameter("@p" + i.ToString(CultureInfo.InvariantCulture), null));
        }

        var term = terms.Parameters.Add(new SqliteParameter("@term", SqliteType.Text));
        var id = terms.Parameters.Add(new SqliteParameter("@id", SqliteType.Integer));
        var field = terms.Parameters.Add(new SqliteParameter("@field", SqliteType.Integer));
        rows.Prepare();
        terms.Prepare();
        return Task.FromResult<IStagingWriter>(new StagingWriter(rows, rowParameters, terms, term, id, field));
    }

    private sealed class StagingWriter(SqliteCommand rows, SqliteParameter[] rowParameters, SqliteCommand terms, SqliteParameter term, SqliteParameter id, SqliteParameter field) : IStagingWriter
    {
        public ValueTask WriteAsync(long mailboxId, DirectoryEntry entry, CancellationToken cancellationToken)
        {
            // Synchronous on purpose: SQLite has no asynchronous I/O, and a task per row would only add overhead.
            var values = EntryRow.Values(mailboxId, entry);
            for (var i = 0; i < values.Length; i++)
            {
                rowParameters[i].Value = values[i] ?? DBNull.Value;
            }

            rows.ExecuteNonQuery();
            id.Value = mailboxId;
            foreach (var (word, wordField) in TermsOf(entry))
            {
                term.Value = word;
                field.Value = wordField;
                terms.ExecuteNonQuery();
            }

            return ValueTask.CompletedTask;
        }

        public Task CompleteAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            await rows.DisposeAsync();
            await terms.DisposeAsync();
        }
    }

    public override ValueTask DisposeAsync()
    {
        // Pooled connections to this file are closed so that the file can be deleted or moved.
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

}
