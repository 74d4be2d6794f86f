using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenMss.Storage.Sql;

namespace OpenMss.Directory.Storage.Sql;

/// <summary>
/// The directory store logic shared by the SQLite and PostgreSQL backends: the same tables and the same
/// SQL where the dialects agree. A backend supplies its connections, its migrations, the bulk load of an
/// import and the few statements that differ.
/// </summary>
internal abstract partial class SqlDirectoryStore : IDirectoryStore
{
    protected const string Mailboxes = "dir_mailboxes";
    protected const string Terms = "dir_terms";
    protected const string NextMailboxes = "dir_mailboxes_next";
    protected const string NextTerms = "dir_terms_next";
    protected const string TermStats = "dir_term_stats";
    protected const string NextTermStats = "dir_term_stats_next";

    /// <summary>The tables an import rebuilds and swaps in.</summary>
    protected static readonly string[] ReplacedTables = [Mailboxes, Terms, TermStats];

    private static readonly string SelectEntries = $"SELECT {EntryRow.SelectList} FROM {Mailboxes} m";

    protected SqlDirectoryStore(ILogger logger, TimeProvider timeProvider)
    {
        Logger = logger;
        Time = timeProvider;
    }

    protected ILogger Logger { get; }

    protected TimeProvider Time { get; }

    public abstract Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the migrations not yet recorded in <c>dir_schema_version</c>, each in its own transaction
    /// (on SQLite an immediate one, so a second process migrating the same file waits, then finds the
    /// version applied). The caller serializes migrating processes where the backend needs it.
    /// </summary>
    /// <exception cref="DirectorySchemaTooNewException">The database was migrated by a newer version.</exception>
    protected async Task ApplyMigrationsAsync(DbConnection connection, IReadOnlyList<Migration> migrations, string versionTableDdl, string backendName, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(versionTableDdl, null, cancellationToken);
        foreach (var migration in migrations)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var current = (int)await connection.ScalarLongAsync("SELECT COALESCE(MAX(version), 0) FROM dir_schema_version", transaction, cancellationToken);
            if (current > migrations.Count)
            {
                throw new DirectorySchemaTooNewException(current, migrations.Count);
            }

            if (current < migration.Version)
            {
                await connection.ExecuteAsync(migration.Sql, transaction, cancellationToken);
                await connection.ExecuteAsync("INSERT INTO dir_schema_version (version, name, applied_at) VALUES (@v, @n, @at)", transaction, cancellationToken,
                    ("v", migration.Version), ("n", migration.Name), ("at", Time.GetUtcNow().ToUnixTimeMilliseconds()));
                LogMigrationApplied(Logger, backendName, migration.Version, migration.Name);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>An open connection (pooled).</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A new id for a published entry (at least <see cref="EntryRow.PublicationIdBase"/>).</summary>
    protected abstract Task<long> NextPublicationIdAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    // ---- Audit ---------------------------------------------------------------------------------

    public async Task AppendAuditAsync(DirectoryAuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        await using var connection = await OpenAsync(cancellationToken);
        await InsertAuditAsync(connection, null, auditEvent, cancellationToken);
    }

    private static Task InsertAuditAsync(DbConnection connection, DbTransaction? transaction, DirectoryAuditEvent e, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(
            "INSERT INTO dir_audit (at, actor, operator, action, address, result) VALUES (@at, @actor, @operator, @action, @address, @result)",
            transaction, cancellationToken,
            ("at", e.At.ToUnixTimeMilliseconds()), ("actor", e.Actor), ("operator", e.Operator), ("action", e.Action), ("address", e.Address), ("result", e.Result));

    public async Task<IReadOnlyList<DirectoryAuditEvent>> QueryAuditAsync(string? address = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, 10_000);
        await using var connection = await OpenAsync(cancellationToken);
        var sql = new StringBuilder("SELECT at, actor, operator, action, address, result FROM dir_audit");
        if (address is not null)
        {
            sql.Append(" WHERE address = @address");
        }

        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY id DESC LIMIT {limit}");
        await using var command = connection.Command(sql.ToString());
        if (address is not null)
        {
            command.With("address", NormalizeAddress(address) ?? address.Trim().ToLowerInvariant());
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<DirectoryAuditEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new DirectoryAuditEvent(
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetString(5)));
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Backend} directory schema migration {Version} ({Name})")]
    private static partial void LogMigrationApplied(ILogger logger, string backend, int version, string name);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Directory extraction replaced: {Loaded} entries loaded, {Added} added, {Updated} updated, {Removed} removed")]
    private static partial void LogReplaced(ILogger logger, long loaded, long added, long updated, long removed);
}
