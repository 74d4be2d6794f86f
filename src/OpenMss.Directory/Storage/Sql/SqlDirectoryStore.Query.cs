using System.Data.Common;
using System.Globalization;
using System.Text;
using OpenMss.Core;
using OpenMss.Core.Addressing;
using OpenMss.Storage.Sql;

namespace OpenMss.Directory.Storage.Sql;

/// <summary>The query of a public search: the driving criterion and the word statistics that choose it.</summary>
internal abstract partial class SqlDirectoryStore
{
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
}
