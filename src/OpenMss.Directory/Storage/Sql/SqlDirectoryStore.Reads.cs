using System.Globalization;
using System.Runtime.CompilerServices;
using OpenMss.Storage.Sql;

namespace OpenMss.Directory.Storage.Sql;

/// <summary>The reads: lookups, public searches, pharmacies, export.</summary>
internal abstract partial class SqlDirectoryStore
{
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
}
