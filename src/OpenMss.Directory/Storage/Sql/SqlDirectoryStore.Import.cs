using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using OpenMss.Storage.Sql;

namespace OpenMss.Directory.Storage.Sql;

/// <summary>The import of an extraction: staging tables loaded, then swapped in, all or nothing.</summary>
internal abstract partial class SqlDirectoryStore
{
    // ---- Import: staging tables swapped in, all or nothing --------------------------------------

    /// <summary>Opens the import's connection and transaction, locking out publications (not readers) until it ends.</summary>
    protected abstract Task<(DbConnection Connection, DbTransaction Transaction)> BeginReplaceAsync(CancellationToken cancellationToken);

    /// <summary>Creates the empty staging tables, with the live tables' columns and no index yet.</summary>
    protected abstract Task CreateStagingTablesAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>The writer of rows (and their name terms) into the staging tables.</summary>
    protected abstract Task<IStagingWriter> OpenStagingWriterAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>The CREATE INDEX statements of a live table, as the database keeps them.</summary>
    protected abstract Task<IReadOnlyList<string>> IndexDefinitionsAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken);

    /// <summary>Maintenance once the new directory is in place (outside the import's transaction).</summary>
    protected virtual Task AfterReplaceAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Updates the planner's statistics of a freshly loaded table.</summary>
    protected abstract Task AnalyzeAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken);

    /// <summary>Writes import rows, with their name terms, into the staging tables.</summary>
    protected interface IStagingWriter : IAsyncDisposable
    {
        ValueTask WriteAsync(long id, DirectoryEntry entry, CancellationToken cancellationToken);

        Task CompleteAsync(CancellationToken cancellationToken);
    }

    public async Task<ReplaceSummary> ReplaceExtractionAsync(IAsyncEnumerable<DirectoryEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var (connection, transaction) = await BeginReplaceAsync(cancellationToken);
        await using var _ = connection;
        await using var __ = transaction;

        var published = new List<DirectoryEntry>();
        var publishedIds = new List<long>();
        await using (var command = connection.Command($"SELECT {EntryRow.SelectList} FROM {Mailboxes} m WHERE m.source = 1", transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                publishedIds.Add(reader.GetInt64(0));
                published.Add(EntryRow.Read(reader));
            }
        }

        var publishedAddresses = published.Select(p => p.Address).ToHashSet(StringComparer.Ordinal);
        await CreateStagingTablesAsync(connection, transaction, cancellationToken);

        long loaded = 0;
        long superseded = 0;
        var now = Time.GetUtcNow();
        await using (var writer = await OpenStagingWriterAsync(connection, transaction, cancellationToken))
        {
            await foreach (var entry in entries.WithCancellation(cancellationToken))
            {
                if (publishedAddresses.Contains(entry.Address))
                {
                    superseded++;
                    continue;
                }

                loaded++;
                await writer.WriteAsync(loaded, entry with { Source = EntrySource.Extraction, PublishedBy = null, UpdatedAt = now }, cancellationToken);
            }

            for (var i = 0; i < published.Count; i++)
            {
                await writer.WriteAsync(publishedIds[i], published[i], cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        // A structure where a pharmacist has a mailbox is a pharmacy: its ORG mailboxes are listed for patients.
        await connection.ExecuteAsync(
            $"UPDATE {NextMailboxes} SET pharmacy = 1 WHERE kind = 'ORG' AND pharmacy = 0 AND st_key IN " +
            $"(SELECT st_key FROM {NextMailboxes} WHERE profession_code = '21' AND st_key IS NOT NULL)",
            transaction, cancellationToken);

        // Word frequencies, for the searches' choice of the word that drives them.
        await connection.ExecuteAsync(
            $"INSERT INTO {NextTermStats} (term, field, n) {TermStatsSelect(NextTerms)}",
            transaction, cancellationToken);

        // Index names are global to the schema: the staging indexes get a fresh generation suffix, and the
        // live ones disappear with their table at the swap.
        var generation = "_g" + now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        foreach (var table in ReplacedTables)
        {
            foreach (var definition in await IndexDefinitionsAsync(connection, transaction, table, cancellationToken))
            {
                await connection.ExecuteAsync(RetargetIndex(definition, table, generation), transaction, cancellationToken);
            }
        }

        var added = await connection.ScalarLongAsync(
            $"SELECT COUNT(*) FROM {NextMailboxes} n WHERE n.source = 0 AND NOT EXISTS (SELECT 1 FROM {Mailboxes} l WHERE l.address = n.address AND l.source = 0)",
            transaction, cancellationToken);
        var removed = await connection.ScalarLongAsync(
            $"SELECT COUNT(*) FROM {Mailboxes} l WHERE l.source = 0 AND NOT EXISTS (SELECT 1 FROM {NextMailboxes} n WHERE n.address = l.address AND n.source = 0)",
            transaction, cancellationToken);
        var updated = await connection.ScalarLongAsync(
            $"SELECT COUNT(*) FROM {NextMailboxes} n JOIN {Mailboxes} l ON l.address = n.address WHERE n.source = 0 AND l.source = 0 AND l.row_hash <> n.row_hash",
            transaction, cancellationToken);

        cancellationToken.ThrowIfCancellationRequested();
        foreach (var table in ReplacedTables)
        {
            await connection.ExecuteAsync($"DROP TABLE {table}", transaction, cancellationToken);
            await connection.ExecuteAsync($"ALTER TABLE {table}_next RENAME TO {table}", transaction, cancellationToken);
        }

        // After the rename: SQLite keys its statistics by table name.
        foreach (var table in ReplacedTables)
        {
            await AnalyzeAsync(connection, transaction, table, cancellationToken);
        }

        var summary = new ReplaceSummary(loaded, added, updated, removed, loaded - added - updated, superseded);
        await InsertAuditAsync(connection, transaction, new DirectoryAuditEvent(now, "import", null, "import", null,
            string.Create(CultureInfo.InvariantCulture, $"ok: {loaded} loaded, {added} added, {updated} updated, {removed} removed")), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogReplaced(Logger, loaded, added, updated, removed);
        await AfterReplaceAsync(cancellationToken);
        return summary;
    }

    /// <summary>The word frequencies (term, field, n) of a terms table.</summary>
    protected virtual string TermStatsSelect(string terms) => $"SELECT term, field, COUNT(*) FROM {terms} GROUP BY term, field";

    /// <summary>Turns a live table's index definition into the same index on the staging table, under a new name.</summary>
    internal static string RetargetIndex(string definition, string table, string generation)
    {
        var match = IndexDefinition().Match(definition);
        if (!match.Success)
        {
            throw new InvalidOperationException($"Unexpected index definition on {table}: {definition}");
        }

        var baseName = GenerationSuffix().Replace(match.Groups["name"].Value, string.Empty);
        return match.Groups["create"].Value + baseName + generation + " ON " + table + "_next " + definition[match.Length..];
    }

    [GeneratedRegex(@"^(?<create>CREATE (UNIQUE )?INDEX )(?<name>[A-Za-z0-9_]+) ON (ONLY )?(public\.)?""?(?<table>[A-Za-z0-9_]+)""?\s*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IndexDefinition();

    [GeneratedRegex(@"_g[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex GenerationSuffix();
}
