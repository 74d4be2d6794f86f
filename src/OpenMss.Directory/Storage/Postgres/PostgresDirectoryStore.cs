using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using OpenMss.Directory.Storage.Sql;
using OpenMss.Storage.Sql;

namespace OpenMss.Directory.Storage.Postgres;

/// <summary>
/// The production backend: PostgreSQL through one <see cref="NpgsqlDataSource"/>. An import streams the
/// rows with binary <c>COPY</c>, derives the name terms in SQL, builds the indexes, and swaps the tables in
/// the same transaction (DDL is transactional in PostgreSQL); publications wait for it, readers do not.
/// </summary>
internal sealed partial class PostgresDirectoryStore : SqlDirectoryStore
{
    // "OMSSDIR" in ASCII: the advisory lock held while migrating.
    private const long MigrationLockKey = 0x4F4D5353444952;

    private static readonly IReadOnlyList<Migration> AllMigrations = DirectoryMigrations.Load("postgres");

    private static readonly NpgsqlDbType[] ColumnTypes = EntryRow.Columns.Select(c => c switch
    {
        "id" or "source" or "liste_rouge" or "dematerialisation" or "pharmacy_name" or "pharmacy" or "row_hash" or "updated_at" => NpgsqlDbType.Bigint,
        _ => NpgsqlDbType.Text,
    }).ToArray();

    private readonly NpgsqlDataSource dataSource;

    // Imports run statements (index builds on half a million rows) longer than any sensible query timeout.
    private readonly NpgsqlDataSource bulkDataSource;

    public PostgresDirectoryStore(string connectionString, ILogger logger, TimeProvider timeProvider)
        : base(logger, timeProvider)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            // The same few search statements run all day: let Npgsql prepare them on each connection.
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        dataSource = builder.Build();
        var bulk = new NpgsqlDataSourceBuilder(connectionString);
        bulk.ConnectionStringBuilder.CommandTimeout = 0;
        bulk.ConnectionStringBuilder.Pooling = false;
        bulkDataSource = bulk.Build();
    }

    public override async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync($"SELECT pg_advisory_lock({MigrationLockKey})", null, cancellationToken);
        try
        {
            await ApplyMigrationsAsync(
                connection,
                AllMigrations,
                "CREATE TABLE IF NOT EXISTS dir_schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)",
                "PostgreSQL",
                cancellationToken);
        }
        finally
        {
            await connection.ExecuteAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", null, CancellationToken.None);
        }
    }

    // A LATERAL subquery kept apart by OFFSET 0: a nested loop from the terms, which the planner would otherwise
    // trade for a scan of the mailboxes when it underestimates the other filters.
    protected override string MailboxesOf(string ids) =>
        $"({ids}) i CROSS JOIN LATERAL (SELECT * FROM {Mailboxes} m0 WHERE m0.id = i.mailbox_id OFFSET 0) m";

    protected override async Task AfterReplaceAsync(CancellationToken cancellationToken)
    {
        // Fresh tables have no visibility map: without it every index-only scan of the terms reads the heap.
        await using var connection = await bulkDataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync($"VACUUM (ANALYZE) {Terms}", null, cancellationToken);
        await connection.ExecuteAsync($"VACUUM (ANALYZE) {Mailboxes}", null, cancellationToken);
        await connection.ExecuteAsync($"VACUUM (ANALYZE) {TermStats}", null, cancellationToken);
    }

    // The expression of the GIN index dir_mailboxes_words (migration 0002), character for character.
    protected override string? TaggedWordsExpression =>
        "array_cat(array_cat(COALESCE(string_to_array('1' || replace(m.pp_words, ' ', ' 1'), ' '), '{}'::text[]), " +
        "COALESCE(string_to_array('2' || replace(m.st_words, ' ', ' 2'), ' '), '{}'::text[])), " +
        "COALESCE(string_to_array('3' || replace(m.town_norm, ' ', ' 3'), ' '), '{}'::text[]))";

    // OFFSET keeps an EXISTS subquery a correlated subplan (it is not pulled up into a semi-join).
    protected override string ProbeFence => " OFFSET 0";

    // PostgreSQL's planner has real statistics (histograms, most common values): it chooses by itself.
    protected override string NoIndex(string column) => column;

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    protected override Task<long> NextPublicationIdAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        connection.ScalarLongAsync("SELECT nextval('dir_publication_ids')", transaction, cancellationToken);

    protected override async Task<(DbConnection Connection, DbTransaction Transaction)> BeginReplaceAsync(CancellationToken cancellationToken)
    {
        var connection = await bulkDataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // EXCLUSIVE lets plain reads through and holds publications (and another import) until the swap.
            await connection.ExecuteAsync(
                $"LOCK TABLE {Mailboxes} IN EXCLUSIVE MODE; SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL synchronous_commit = on",
                transaction, cancellationToken);
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
            await connection.ExecuteAsync(
                $"DROP TABLE IF EXISTS {table}_next; CREATE TABLE {table}_next (LIKE {table} INCLUDING DEFAULTS)",
                transaction, cancellationToken);
        }
    }

    protected override async Task<IReadOnlyList<string>> IndexDefinitionsAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = @table ORDER BY indexname", transaction).With("table", table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    protected override Task AnalyzeAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken) =>
        connection.ExecuteAsync($"ANALYZE {table}", transaction, cancellationToken);

    protected override async Task<IStagingWriter> OpenStagingWriterAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        var importer = await npgsql.BeginBinaryImportAsync(
            $"COPY {NextMailboxes} ({string.Join(", ", EntryRow.Columns)}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        return new StagingWriter(npgsql, transaction, importer);
    }

    private sealed class StagingWriter(NpgsqlConnection connection, DbTransaction transaction, NpgsqlBinaryImporter importer) : IStagingWriter
    {
        private bool completed;

        public async ValueTask WriteAsync(long id, DirectoryEntry entry, CancellationToken cancellationToken)
        {
            var values = EntryRow.Values(id, entry);
            await importer.StartRowAsync(cancellationToken);
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] is null)
                {
                    await importer.WriteNullAsync(cancellationToken);
                }
                else if (ColumnTypes[i] == NpgsqlDbType.Bigint)
                {
                    await importer.WriteAsync((long)values[i]!, NpgsqlDbType.Bigint, cancellationToken);
                }
                else
                {
                    await importer.WriteAsync((string)values[i]!, NpgsqlDbType.Text, cancellationToken);
                }
            }
        }

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await importer.CompleteAsync(cancellationToken);
            completed = true;
            await importer.DisposeAsync();
            // One COPY at a time per connection: the name terms are derived from the word columns in SQL.
            await connection.ExecuteAsync(
                $"INSERT INTO {NextTerms} (term, mailbox_id, field) " +
                $"SELECT w, id, {EntryRow.ProfessionalField} FROM {NextMailboxes}, unnest(string_to_array(pp_words, ' ')) AS w WHERE pp_words IS NOT NULL " +
                $"UNION ALL SELECT w, id, {EntryRow.StructureField} FROM {NextMailboxes}, unnest(string_to_array(st_words, ' ')) AS w WHERE st_words IS NOT NULL " +
                $"UNION ALL SELECT DISTINCT w, id, {EntryRow.TownField} FROM {NextMailboxes}, unnest(string_to_array(town_norm, ' ')) AS w WHERE town_norm IS NOT NULL",
                transaction, cancellationToken);

            // Statistics before the statements that follow (the pharmacy flags join the table with itself).
            await connection.ExecuteAsync($"ANALYZE {NextMailboxes}", transaction, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            if (!completed)
            {
                // Disposing an unfinished COPY cancels it; the transaction then rolls back.
                await importer.DisposeAsync();
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await bulkDataSource.DisposeAsync();
    }

}
