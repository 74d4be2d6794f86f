using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OpenMss.Core;
using OpenMss.Core.Addressing;
using OpenMss.Trust;
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

    // ---- Reads ------------------------------------------------------------------------------

    /// <summary>
    /// The FROM clause that streams, as alias <c>m</c>, the mailboxes whose ids <paramref name="ids"/> (a
    /// subquery with a <c>mailbox_id</c> column) yields, in its order: the loop order must be ids first, then
    /// the mailbox by id, whatever the planner thinks of the other filters.
    /// </summary>
    protected abstract string MailboxesOf(string ids);

    public async Task<DirectoryEntry?> FindAsync(string address, CancellationToken cancellationToken = default)
    {
        var normalized = NormalizeAddress(address);
        if (normalized is null)
        {
            return null;
        }

        var found = await QueryEntriesAsync($"{SelectEntries} WHERE m.address = @address", [("address", normalized)], cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>
    /// A public search. The matching mailboxes are found through the most selective index, at most
    /// <see cref="DirectorySearchPage{T}.CountLimit"/> (+1) of them, then sorted by name in memory and
    /// paged: the cost is bounded whatever the size of the directory and however broad the criteria
    /// (beyond the limit, the page says "more than" and the person narrows the search).
    /// </summary>
    public async Task<DirectorySearchPage<DirectoryEntry>> SearchAsync(DirectorySearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var page = Math.Max(1, search.Page);
        var pageSize = Math.Clamp(search.PageSize, 1, DirectorySearch.MaxPageSize);
        const int Limit = DirectorySearchPage<DirectoryEntry>.CountLimit;
        await using var connection = await OpenAsync(cancellationToken);
        var parameters = new List<(string, object?)>();
        var query = await BuildQueryAsync(connection, search, parameters, cancellationToken);
        if (query is null)
        {
            return new DirectorySearchPage<DirectoryEntry>([], 0, true, page, pageSize);
        }

        // Through the terms, a word prefix may match two words of one mailbox: room for duplicates, distinct ids kept.
        var fetchLimit = query.Value.Streaming ? (2 * Limit) + 2 : Limit + 1;
        var candidates = new Dictionary<long, (string SortName, string Address)>();
        var fetched = 0;
        await using (var command = connection.Command($"SELECT m.id, m.sort_name, m.address FROM {query.Value.From} WHERE {query.Value.Where} LIMIT {fetchLimit}"))
        {
            foreach (var (name, value) in parameters)
            {
                command.With(name, value);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                fetched++;
                candidates.TryAdd(reader.GetInt64(0), (reader.GetString(1), reader.GetString(2)));
            }
        }

        var exact = candidates.Count <= Limit && fetched < fetchLimit;
        var ordered = candidates
            .OrderBy(c => c.Value.SortName, StringComparer.Ordinal)
            .ThenBy(c => c.Value.Address, StringComparer.Ordinal)
            .Take(Limit)
            .Select(c => c.Key)
            .ToList();
        var pageIds = ordered.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        IReadOnlyList<DirectoryEntry> items = [];
        if (pageIds.Count > 0)
        {
            var rows = new Dictionary<long, DirectoryEntry>();
            var ids = string.Join(", ", pageIds.Select(id => id.ToString(CultureInfo.InvariantCulture)));
            await using var command = connection.Command($"{SelectEntries} WHERE m.id IN ({ids})");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows[reader.GetInt64(0)] = EntryRow.Read(reader);
            }

            items = pageIds.Where(rows.ContainsKey).Select(id => rows[id]).ToList();
        }

        return new DirectorySearchPage<DirectoryEntry>(items, ordered.Count, exact, page, pageSize);
    }

    public async Task<(IReadOnlyList<string> Keys, bool HasMore)> SearchKeysAsync(DirectorySearch search, KeyGrouping grouping, int offset, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        count = Math.Clamp(count, 1, DirectorySearch.MaxPageSize);
        offset = Math.Max(0, offset);
        await using var connection = await OpenAsync(cancellationToken);
        var parameters = new List<(string, object?)>();
        var query = await BuildQueryAsync(connection, search, parameters, cancellationToken);
        if (query is null)
        {
            return ([], false);
        }

        var (columns, notNull) = grouping switch
        {
            KeyGrouping.Professional => ("m.pp_key", "m.pp_key IS NOT NULL"),
            KeyGrouping.Structure => ("m.st_key", "m.st_key IS NOT NULL"),
            _ => ("m.pp_key, m.st_key", "m.pp_key IS NOT NULL AND m.st_key IS NOT NULL"),
        };
        var order = grouping == KeyGrouping.Role ? "1, 2" : "1";
        await using var command = connection.Command(
            $"SELECT DISTINCT {columns} FROM {query.Value.From} WHERE {query.Value.Where} AND {notNull} ORDER BY {order} LIMIT {count + 1} OFFSET {offset}");
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(grouping == KeyGrouping.Role ? reader.GetString(0) + "|" + reader.GetString(1) : reader.GetString(0));
        }

        var hasMore = keys.Count > count;
        if (hasMore)
        {
            keys.RemoveAt(keys.Count - 1);
        }

        return (keys, hasMore);
    }

    public Task<IReadOnlyList<DirectoryEntry>> FindByProfessionalAsync(string key, CancellationToken cancellationToken = default) =>
        QueryEntriesAsync($"{SelectEntries} WHERE m.pp_key = @key AND m.liste_rouge = 0 ORDER BY m.address", [("key", key)], cancellationToken);

    public Task<IReadOnlyList<DirectoryEntry>> FindByStructureAsync(string key, CancellationToken cancellationToken = default) =>
        QueryEntriesAsync($"{SelectEntries} WHERE m.st_key = @key AND m.liste_rouge = 0 ORDER BY m.address", [("key", key)], cancellationToken);

    /// <summary>
    /// Recomputes the pharmacy flag of a structure's ORG mailboxes: its name says <i>pharmacie</i>, or one
    /// of its mailboxes belongs to a pharmacist (profession code 21).
    /// </summary>
    protected const string PharmacyFlagSql =
        "UPDATE dir_mailboxes SET pharmacy = CASE WHEN pharmacy_name = 1 OR EXISTS " +
        "(SELECT 1 FROM dir_mailboxes p WHERE p.st_key = @st AND p.profession_code = '21') THEN 1 ELSE 0 END " +
        "WHERE st_key = @st AND kind = 'ORG'";

    public async Task<IReadOnlyList<PharmacyResult>> FindPharmaciesAsync(string? postalCode, string? town, int limit, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, DirectorySearch.MaxPageSize);
        var code = postalCode?.Trim();
        if (!string.IsNullOrEmpty(code))
        {
            // A département is a postal code prefix (2 digits, 3 overseas, 20 for Corsica).
            var department = EntryRow.DepartmentOf(code) ?? code;
            var departmentEnd = SearchText.PrefixUpperBound(department);
            var target = PostalNumber(code);
            var nearest = await PharmacyCandidatesAsync(
                "m.postal_code >= @dept AND m.postal_code < @deptEnd", [("dept", department), ("deptEnd", departmentEnd)], 5000, cancellationToken);
            var chosen = nearest
                .OrderBy(c => Math.Abs(PostalNumber(c.PostalCode) - target))
                .ThenBy(c => c.SortName, StringComparer.Ordinal)
                .Take(limit)
                .Select(c => (c.Id, Rank: 0))
                .ToList();
            if (chosen.Count < limit)
            {
                // The nearest postal codes on either side of the département.
                var wanted = limit - chosen.Count;
                var above = await PharmacyCandidatesAsync("m.postal_code >= @deptEnd", [("deptEnd", departmentEnd)], wanted, cancellationToken, "m.postal_code");
                var below = await PharmacyCandidatesAsync("m.postal_code < @dept", [("dept", department)], wanted, cancellationToken, "m.postal_code DESC");
                chosen.AddRange(above.Concat(below)
                    .OrderBy(c => Math.Abs(PostalNumber(c.PostalCode) - target))
                    .ThenBy(c => c.SortName, StringComparer.Ordinal)
                    .Take(wanted)
                    .Select(c => (c.Id, Rank: 1)));
            }

            return await PharmaciesByIdAsync(chosen, cancellationToken);
        }

        var townName = SearchText.Normalize(town);
        if (townName.Length == 0)
        {
            return [];
        }

        var inTown = await PharmacyCandidatesAsync(
            "m.town_norm >= @town AND m.town_norm < @townEnd", [("town", townName), ("townEnd", SearchText.PrefixUpperBound(townName))], 5000, cancellationToken);
        return await PharmaciesByIdAsync(
            inTown.OrderBy(c => c.SortName, StringComparer.Ordinal).ThenBy(c => c.Id).Take(limit).Select(c => (c.Id, Rank: 0)).ToList(),
            cancellationToken);
    }

    /// <summary>Pharmacies matching a place: only what ranking needs (id, postal code, name), so a big département stays cheap.</summary>
    private async Task<List<(long Id, string? PostalCode, string SortName)>> PharmacyCandidatesAsync(
        string place, IReadOnlyList<(string Name, object? Value)> parameters, int limit, CancellationToken cancellationToken, string? order = null)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT m.id, m.postal_code, m.sort_name FROM {Mailboxes} m WHERE m.pharmacy = 1 AND {place} AND m.liste_rouge = 0" +
            (order is null ? string.Empty : " ORDER BY " + order) + $" LIMIT {limit}");
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        var result = new List<(long, string?, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2)));
        }

        return result;
    }

    private async Task<IReadOnlyList<PharmacyResult>> PharmaciesByIdAsync(IReadOnlyList<(long Id, int Rank)> chosen, CancellationToken cancellationToken)
    {
        if (chosen.Count == 0)
        {
            return [];
        }

        var rows = new Dictionary<long, DirectoryEntry>();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"{SelectEntries} WHERE m.id IN ({string.Join(", ", chosen.Select(c => c.Id.ToString(CultureInfo.InvariantCulture)))})");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows[reader.GetInt64(0)] = EntryRow.Read(reader);
        }

        return chosen.Where(c => rows.ContainsKey(c.Id)).Select(c => new PharmacyResult(rows[c.Id], c.Rank)).ToList();
    }

    public async IAsyncEnumerable<DirectoryEntry> ExportAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command($"{SelectEntries} WHERE m.liste_rouge = 0 ORDER BY m.address");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return EntryRow.Read(reader);
        }
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ScalarLongAsync($"SELECT COUNT(*) FROM {Mailboxes}", null, cancellationToken);
    }

    public Task<IReadOnlyList<DirectoryEntry>> ListByDomainsAsync(IReadOnlyCollection<string> domains, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domains);
        if (domains.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<DirectoryEntry>>([]);
        }

        var parameters = domains.Select((d, i) => ("d" + i.ToString(CultureInfo.InvariantCulture), (object?)d.ToLowerInvariant())).ToList();
        return QueryEntriesAsync(
            $"{SelectEntries} WHERE m.domain IN ({string.Join(", ", parameters.Select(p => "@" + p.Item1))}) ORDER BY m.address",
            parameters, cancellationToken);
    }

    /// <summary>
    /// The FROM and WHERE clauses of a public search (liste rouge excluded), their parameters added to
    /// <paramref name="parameters"/>; null when a filter can match nothing or no filter is given. The words of
    /// a name or town search are looked up in the term statistics (one round trip): on PostgreSQL, when each is
    /// a short list of known words, the GIN index of tagged words intersects them; otherwise the rarest word
    /// drives through the terms index (a range scan) and the others are checked by point probes into it (or,
    /// for a prefix of many words, on the candidate rows' word columns).
    /// </summary>
    internal async Task<(string From, string Where, bool Streaming)?> BuildQueryAsync(DbConnection connection, DirectorySearch s, List<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        var driver = DriverRank(s);

        string Add(object? value)
        {
            var name = "p" + parameters.Count.ToString(CultureInfo.InvariantCulture);
            parameters.Add((name, value));
            return "@" + name;
        }

        // Only the most selective kind of criterion may use its index; the others are checked on the rows it
        // finds. SQLite's planner, without histograms, would otherwise often pick a common code over a postal code.
        string Column(string column, int rank) => rank == driver ? column : NoIndex(column);

        void Equal(string column, string? value, int rank)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                conditions.Add($"{Column(column, rank)} = {Add(value.Trim())}");
            }
        }

        void Prefix(string column, string value, int rank)
        {
            var expression = Column(column, rank);
            conditions.Add($"{expression} >= {Add(value)} AND {expression} < {Add(SearchText.PrefixUpperBound(value))}");
        }

        Equal("m.pp_identifier", s.Rpps, IdentifierRank);
        Equal("m.pp_identifier", s.Adeli, IdentifierRank);
        Equal("m.pp_key", s.IdNatPs, IdentifierRank);
        Equal("m.st_identifier", s.Finess?.Trim().ToUpperInvariant(), IdentifierRank);
        Equal("m.st_identifier", s.Siret, IdentifierRank);
        Equal("m.st_key", s.StructureKey?.Trim().ToUpperInvariant(), IdentifierRank);
        if (s.Kind is { } kind)
        {
            conditions.Add($"{Column("m.kind", KindRank)} = {Add(kind.ToCode())}");
        }

        if (!string.IsNullOrWhiteSpace(s.Address))
        {
            var address = s.Address.Trim().ToLowerInvariant();
            switch (s.AddressMatch)
            {
                case AddressMatch.Exact:
                    conditions.Add($"m.address = {Add(NormalizeAddress(address) ?? address)}");
                    break;
                case AddressMatch.Contains:
                    conditions.Add($"m.address LIKE {Add("%" + EscapeLike(address) + "%")} ESCAPE '\\'");
                    break;
                default:
                    Prefix("m.address", address, NarrowRank);
                    break;
            }
        }

        if (!string.IsNullOrWhiteSpace(s.Profession))
        {
            var profession = s.Profession.Trim();
            if (profession.All(char.IsAsciiDigit))
            {
                conditions.Add($"{Column("m.profession_code", ProfessionRank)} = {Add(profession)}");
            }
            else
            {
                var label = SearchText.Normalize(profession);
                if (label.Length == 0)
                {
                    return null;
                }

                Prefix("m.profession_norm", label, ProfessionRank);
            }
        }

        if (!string.IsNullOrWhiteSpace(s.PostalCode))
        {
            var postalCode = s.PostalCode.Trim().ToUpperInvariant();
            Prefix("m.postal_code", postalCode, postalCode.Length >= 5 ? NarrowRank : PlaceRank);
        }

        if (s.RequireProfessional)
        {
            conditions.Add("m.pp_key IS NOT NULL");
        }

        if (s.RequireStructure)
        {
            conditions.Add("m.st_key IS NOT NULL");
        }

        // Words of the name and of the town, each a prefix of a word in its term field.
        var words = new List<(string Word, string Field, string Haystack)>();
        if (!string.IsNullOrWhiteSpace(s.Name))
        {
            IReadOnlyList<string> nameWords = SearchText.Words(s.Name);
            if (nameWords.Count == 0)
            {
                // Only short or common words ("de", "l"): still a filter, not a match-all.
                nameWords = SearchText.Normalize(s.Name).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }

            if (nameWords.Count == 0)
            {
                return null;
            }

            var (field, haystack) = s.NameScope switch
            {
                NameScope.Professional => ($"field = {EntryRow.ProfessionalField}", "(' ' || COALESCE(m.pp_words, ''))"),
                NameScope.Structure => ($"field = {EntryRow.StructureField}", "(' ' || COALESCE(m.st_words, ''))"),
                _ => ($"field <= {EntryRow.StructureField}", "(' ' || COALESCE(m.pp_words, '') || ' ' || COALESCE(m.st_words, ''))"),
            };
            words.AddRange(nameWords.Select(w => (w, field, haystack)));
        }

        if (!string.IsNullOrWhiteSpace(s.Town))
        {
            var townWords = SearchText.Normalize(s.Town).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (townWords.Length == 0)
            {
                return null;
            }

            words.AddRange(townWords.Distinct(StringComparer.Ordinal).Select(w => (w, $"field = {EntryRow.TownField}", "(' ' || COALESCE(m.town_norm, ''))")));
        }

        var from = $"{Mailboxes} m";
        var streaming = false;
        var checkedOnRows = words;
        if (words.Count > 0 && (driver is NameRank or PlaceRank))
        {
            // Words drive the search through the terms index: the rarest word's mailboxes are streamed (by the
            // word frequencies kept in the term statistics), and each other word is checked by point probes
            // into the terms index, on the ids alone: no mailbox row is read for a candidate that fails, so a
            // query whose every word is common ("SELARL PHARMACIE MARIE") stays cheap.
            var stats = await TermStatsAsync(connection, words.Select(w => (w.Word, w.Field)).ToList(), cancellationToken);
            var counted = new List<(string Word, string Field, string Haystack, long Count, IReadOnlyList<string>? Terms, int Rows)>();
            for (var w = 0; w < words.Count; w++)
            {
                var (count, terms, rows, _) = stats[w];
                if (terms is { Count: 0 })
                {
                    return null; // no mailbox has a word starting so: nothing can match
                }

                counted.Add((words[w].Word, words[w].Field, words[w].Haystack, count, terms, rows));
            }

            if (TaggedWordsExpression is { } tagged && words.Count >= 2 && stats.All(st => st.Tagged is not null))
            {
                // Every word is a short list of (field, word) pairs: the backend's inverted index of the tagged
                // words intersects them at once, however common each word is.
                var single = stats.Where(st => st.Tagged!.Count == 1).Select(st => st.Tagged![0]).Distinct(StringComparer.Ordinal).ToArray();
                if (single.Length > 0)
                {
                    conditions.Add($"{tagged} @> {Add(single)}");
                }

                foreach (var st in stats.Where(st => st.Tagged!.Count > 1))
                {
                    conditions.Add($"{tagged} && {Add(st.Tagged!.ToArray())}");
                }

                conditions.Add("m.liste_rouge = 0");
                return (from, string.Join(" AND ", conditions), false);
            }

            counted.Sort((a, b) => a.Count != b.Count ? a.Count.CompareTo(b.Count) : b.Word.Length.CompareTo(a.Word.Length));
            var rarest = counted[0];
            var ids = new StringBuilder(
                $"SELECT t.mailbox_id FROM {Terms} t WHERE t.term >= {Add(rarest.Word)} AND t.term < {Add(SearchText.PrefixUpperBound(rarest.Word))} AND t.{rarest.Field}");
            var onRows = new List<(string Word, string Field, string Haystack)>();
            var probe = 0;
            foreach (var other in counted.Skip(1))
            {
                if (other.Terms is null)
                {
                    // A prefix of too many words to list: checked on the candidate rows instead.
                    onRows.Add((other.Word, other.Field, other.Haystack));
                    continue;
                }

                var alias = "p" + (++probe).ToString(CultureInfo.InvariantCulture);
                var list = string.Join(", ", other.Terms.Select(Add));
                ids.Append(CultureInfo.InvariantCulture,
                    $" AND EXISTS (SELECT 1 FROM {Terms} {alias} WHERE {alias}.term IN ({list}) AND {alias}.mailbox_id = t.mailbox_id AND {alias}.{other.Field}{ProbeFence})");
            }

            from = MailboxesOf(ids.ToString());

            // A prefix may match two words of one mailbox, which then comes twice; not when it is one word of one field.
            streaming = rarest.Rows != 1;
            checkedOnRows = onRows;
        }

        foreach (var (word, _, haystack) in checkedOnRows)
        {
            // Words hold letters and digits only (SearchText): nothing to escape in the pattern.
            conditions.Add($"{haystack} LIKE {Add("% " + word + "%")}");
        }

        if (conditions.Count == 0 && words.Count == 0)
        {
            return null;
        }

        conditions.Add("m.liste_rouge = 0");
        return (from, string.Join(" AND ", conditions), streaming);
    }

    private const int IdentifierRank = 1;
    private const int NarrowRank = 2;
    private const int NameRank = 3;
    private const int PlaceRank = 4;
    private const int ProfessionRank = 5;
    private const int KindRank = 6;

    /// <summary>
    /// The kind of criterion that drives a search, from the usually most selective: identifiers, then a full
    /// postal code or an address beginning, a name, a town or postal code prefix, a profession, a mailbox type.
    /// </summary>
    private static int DriverRank(DirectorySearch s)
    {
        bool Given(string? value) => !string.IsNullOrWhiteSpace(value);
        if (Given(s.Rpps) || Given(s.Adeli) || Given(s.IdNatPs) || Given(s.Finess) || Given(s.Siret) || Given(s.StructureKey)
            || (Given(s.Address) && s.AddressMatch == AddressMatch.Exact))
        {
            return IdentifierRank;
        }

        if ((Given(s.Address) && s.AddressMatch == AddressMatch.Prefix) || (s.PostalCode?.Trim().Length >= 5))
        {
            return NarrowRank;
        }

        return Given(s.Name) ? NameRank
            : Given(s.Town) || Given(s.PostalCode) ? PlaceRank
            : Given(s.Profession) ? ProfessionRank
            : s.Kind is not null ? KindRank
            : 0;
    }

    /// <summary>A column expression the planner will not use an index for (SQLite: unary <c>+</c>).</summary>
    protected abstract string NoIndex(string column);

    /// <summary>
    /// A word prefix that matches more distinct terms than this is checked on the candidate rows, not probed
    /// (a probe is one index seek per term: beyond a few, reading the row costs less).
    /// </summary>
    private const int ProbeTermLimit = 8;

    /// <summary>Summing a prefix's term counts stops after this many terms: beyond, the prefix is taken as too common to drive.</summary>
    private const int StatsScanLimit = 2000;

    /// <summary>
    /// Appended to a probe subquery: PostgreSQL must keep it a per-candidate probe (a correlated subplan)
    /// rather than turn it into a join that reads every mailbox of a common word.
    /// </summary>
    protected virtual string ProbeFence => string.Empty;

    /// <summary>
    /// An expression of the mailbox row <c>m</c> giving its words tagged with their term field (<c>1dupont</c>,
    /// <c>2pharmacie</c>, <c>3paris</c>) as an array an inverted index covers; null when the backend has none.
    /// </summary>
    protected virtual string? TaggedWordsExpression => null;

    /// <summary>
    /// For each word, in one round trip: how many mailboxes have a word starting with it in its term field
    /// (an upper bound: a mailbox with two such words counts twice), those words (distinct), and how many
    /// (term, field) pairs they are, from the term statistics. The words are null when there are more than
    /// <see cref="ProbeTermLimit"/>; the count is <see cref="long.MaxValue"/> when the prefix has more than
    /// <see cref="StatsScanLimit"/> terms.
    /// </summary>
    private async Task<IReadOnlyList<(long Count, IReadOnlyList<string>? Terms, int Rows, IReadOnlyList<string>? Tagged)>> TermStatsAsync(
        DbConnection connection, IReadOnlyList<(string Word, string Field)> words, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder();
        await using var command = connection.Command(string.Empty);
        for (var w = 0; w < words.Count; w++)
        {
            var index = w.ToString(CultureInfo.InvariantCulture);
            sql.Append(w == 0 ? string.Empty : " UNION ALL ").Append(CultureInfo.InvariantCulture,
                $"SELECT {index} AS w, x{index}.term, x{index}.n, x{index}.field FROM (SELECT s.term, s.n, s.field FROM {TermStats} s WHERE s.term >= @a{index} AND s.term < @b{index} AND s.{words[w].Field} LIMIT {StatsScanLimit + 1}) x{index}");
            command.With("a" + index, words[w].Word).With("b" + index, SearchText.PrefixUpperBound(words[w].Word));
        }

        command.CommandText = sql.ToString();
        var terms = words.Select(_ => new List<string>()).ToArray();
        var counts = new long[words.Count];
        var rows = new int[words.Count];
        var fetched = new int[words.Count];
        var tagged = words.Select(_ => new List<string>()).ToArray();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var w = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
            fetched[w]++;
            var n = reader.GetInt64(2);
            if (n <= 0)
            {
                continue;
            }

            rows[w]++;
            counts[w] += n;
            var term = reader.GetString(1);
            if (tagged[w].Count <= ProbeTermLimit)
            {
                tagged[w].Add(Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) + term);
            }

            if (terms[w].Count <= ProbeTermLimit && !terms[w].Contains(term, StringComparer.Ordinal))
            {
                terms[w].Add(term);
            }
        }

        return Enumerable.Range(0, words.Count)
            .Select(w => (fetched[w] > StatsScanLimit ? long.MaxValue : counts[w], terms[w].Count > ProbeTermLimit ? null : (IReadOnlyList<string>?)terms[w], rows[w],
                tagged[w].Count > ProbeTermLimit ? null : (IReadOnlyList<string>?)tagged[w]))
            .ToList();
    }

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static int PostalNumber(string? postalCode) =>
        int.TryParse(postalCode, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : int.MaxValue / 2;

    /// <summary>The canonical form of an address (lower case, normalised domain), or null when it is not one.</summary>
    internal static string? NormalizeAddress(string? address)
    {
        if (MssAddress.TryParse(address, out var parsed, out _))
        {
            return parsed.Value;
        }

        return null;
    }

    protected async Task<IReadOnlyList<DirectoryEntry>> QueryEntriesAsync(string sql, IReadOnlyList<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(sql);
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        var result = new List<DirectoryEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(EntryRow.Read(reader));
        }

        return result;
    }

    // ---- Publication ---------------------------------------------------------------------------

    public async Task<PublishOutcome> PublishAsync(DirectoryEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        var existing = await RemoveAsync(connection, transaction, entry.Address, cancellationToken);
        var id = existing is { Source: EntrySource.Publication } ? existing.Value.Id : await NextPublicationIdAsync(connection, transaction, cancellationToken);
        var stored = entry with { Source = EntrySource.Publication, UpdatedAt = Time.GetUtcNow() };
        await using (var insert = connection.Command(EntryRow.InsertSql(Mailboxes), transaction))
        {
            var values = EntryRow.Values(id, stored);
            for (var i = 0; i < values.Length; i++)
            {
                insert.With("p" + i.ToString(CultureInfo.InvariantCulture), values[i]);
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await WriteTermsAsync(connection, transaction, Terms, id, stored, cancellationToken);
        foreach (var structure in new[] { existing?.StructureKey, stored.Structure?.Key }.Where(k => k is not null).Distinct())
        {
            await connection.ExecuteAsync(PharmacyFlagSql, transaction, cancellationToken, ("st", structure));
        }

        await transaction.CommitAsync(cancellationToken);
        return existing is null ? PublishOutcome.Created : PublishOutcome.Updated;
    }

    public async Task<bool> DeleteAsync(string address, CancellationToken cancellationToken = default)
    {
        var normalized = NormalizeAddress(address);
        if (normalized is null)
        {
            return false;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        var existing = await RemoveAsync(connection, transaction, normalized, cancellationToken);
        if (existing?.StructureKey is { } structure)
        {
            await connection.ExecuteAsync(PharmacyFlagSql, transaction, cancellationToken, ("st", structure));
        }

        await transaction.CommitAsync(cancellationToken);
        return existing is not null;
    }

    /// <summary>A write transaction (SQLite: takes the write lock at once, so two writers queue instead of failing).</summary>
    protected virtual async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    /// <summary>Deletes an entry and its terms; returns its id, source and structure when there was one.</summary>
    private static async Task<(long Id, EntrySource Source, string? StructureKey)?> RemoveAsync(DbConnection connection, DbTransaction transaction, string address, CancellationToken cancellationToken)
    {
        long id;
        DirectoryEntry old;
        await using (var find = connection.Command($"{SelectEntries} WHERE m.address = @address", transaction).With("address", address))
        await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            id = reader.GetInt64(0);
            old = EntryRow.Read(reader);
        }

        foreach (var (word, field) in TermsOf(old))
        {
            await connection.ExecuteAsync($"DELETE FROM {Terms} WHERE term = @term AND mailbox_id = @id AND field = @field", transaction, cancellationToken,
                ("term", word), ("id", id), ("field", field));
            await connection.ExecuteAsync($"UPDATE {TermStats} SET n = n - 1 WHERE term = @term AND field = @field", transaction, cancellationToken,
                ("term", word), ("field", field));
        }

        await connection.ExecuteAsync($"DELETE FROM {Mailboxes} WHERE id = @id", transaction, cancellationToken, ("id", id));
        return (id, old.Source, old.Structure?.Key);
    }

    internal static IEnumerable<(string Word, int Field)> TermsOf(DirectoryEntry entry) =>
        EntryRow.ProfessionalWords(entry).Select(w => (w, EntryRow.ProfessionalField))
            .Concat(EntryRow.StructureWords(entry).Select(w => (w, EntryRow.StructureField)))
            .Concat(EntryRow.TownWords(entry).Select(w => (w, EntryRow.TownField)));

    protected static async Task WriteTermsAsync(DbConnection connection, DbTransaction transaction, string table, long id, DirectoryEntry entry, CancellationToken cancellationToken)
    {
        foreach (var (word, field) in TermsOf(entry))
        {
            await connection.ExecuteAsync($"INSERT INTO {table} (term, mailbox_id, field) VALUES (@term, @id, @field)", transaction, cancellationToken,
                ("term", word), ("id", id), ("field", field));
            await connection.ExecuteAsync(
                $"INSERT INTO {TermStats} (term, field, n) VALUES (@term, @field, 1) ON CONFLICT (term, field) DO UPDATE SET n = {TermStats}.n + 1",
                transaction, cancellationToken, ("term", word), ("field", field));
        }
    }

    // ---- Operators -----------------------------------------------------------------------------

    public async Task<OperatorRecord> RegisterOperatorAsync(string name, IReadOnlyList<string> domains, string? relayEndpoint, string? certificateThumbprint = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(domains);
        var normalizedDomains = new List<string>();
        foreach (var domain in domains)
        {
            if (!MssDomains.TryNormalize(domain, out var normalized) || !MssDomains.IsTrustSpaceDomain(normalized))
            {
                throw new ArgumentException($"'{domain}' is not a domain under .mssante.fr.", nameof(domains));
            }

            if (!normalizedDomains.Contains(normalized))
            {
                normalizedDomains.Add(normalized);
            }
        }

        if (normalizedDomains.Count == 0)
        {
            throw new ArgumentException("An operator has at least one domain.", nameof(domains));
        }

        string? relay = null;
        if (!string.IsNullOrWhiteSpace(relayEndpoint))
        {
            if (!RelayEndpoint.TryParse(relayEndpoint, out var endpoint))
            {
                throw new ArgumentException($"'{relayEndpoint}' is not a relay address (host:port).", nameof(relayEndpoint));
            }

            relay = endpoint.ToString();
        }

        var thumbprint = string.IsNullOrWhiteSpace(certificateThumbprint) ? null : certificateThumbprint.Replace(":", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
        var now = Time.GetUtcNow();
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        var id = await connection.ScalarLongAsync("SELECT id FROM dir_operators WHERE name = @name", transaction, cancellationToken, ("name", name.Trim()));
        if (id == 0)
        {
            id = await connection.ScalarLongAsync(
                "INSERT INTO dir_operators (name, relay_endpoint, certificate_thumbprint, registered_at) VALUES (@name, @relay, @thumb, @at) RETURNING id",
                transaction, cancellationToken, ("name", name.Trim()), ("relay", relay), ("thumb", thumbprint), ("at", now.ToUnixTimeMilliseconds()));
        }
        else
        {
            await connection.ExecuteAsync(
                "UPDATE dir_operators SET relay_endpoint = @relay, certificate_thumbprint = @thumb, registered_at = @at WHERE id = @id",
                transaction, cancellationToken, ("relay", relay), ("thumb", thumbprint), ("at", now.ToUnixTimeMilliseconds()), ("id", id));
        }

        foreach (var domain in normalizedDomains)
        {
            var owner = await connection.ScalarLongAsync("SELECT operator_id FROM dir_operator_domains WHERE domain = @domain", transaction, cancellationToken, ("domain", domain));
            if (owner != 0 && owner != id)
            {
                throw new ArgumentException($"The domain {domain} is registered to another operator.", nameof(domains));
            }
        }

        await connection.ExecuteAsync("DELETE FROM dir_operator_domains WHERE operator_id = @id", transaction, cancellationToken, ("id", id));
        foreach (var domain in normalizedDomains)
        {
            await connection.ExecuteAsync("INSERT INTO dir_operator_domains (domain, operator_id) VALUES (@domain, @id)", transaction, cancellationToken, ("domain", domain), ("id", id));
        }

        await InsertAuditAsync(connection, transaction, new DirectoryAuditEvent(now, "admin", name.Trim(), "register-operator", null, "ok: " + string.Join(' ', normalizedDomains)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new OperatorRecord(id, name.Trim(), normalizedDomains, relay, thumbprint, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()));
    }

    public async Task<IReadOnlyList<OperatorRecord>> ListOperatorsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT o.id, o.name, o.relay_endpoint, o.certificate_thumbprint, o.registered_at, d.domain FROM dir_operators o " +
            "LEFT JOIN dir_operator_domains d ON d.operator_id = o.id ORDER BY o.name, d.domain");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<OperatorRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetInt64(0);
            if (result.Count == 0 || result[^1].Id != id)
            {
                result.Add(new OperatorRecord(id, reader.GetString(1), new List<string>(),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }

            if (!reader.IsDBNull(5))
            {
                ((List<string>)result[^1].Domains).Add(reader.GetString(5));
            }
        }

        return result;
    }

    public async Task<OperatorRecord?> FindOperatorByDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        if (!MssDomains.TryNormalize(domain, out var normalized))
        {
            return null;
        }

        return (await ListOperatorsAsync(cancellationToken)).FirstOrDefault(o => o.Domains.Contains(normalized, StringComparer.Ordinal));
    }

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
