using System.Data.Common;
using OpenMss.Core;

namespace OpenMss.Directory.Storage.Sql;

/// <summary>
/// The mapping between <see cref="DirectoryEntry"/> and a <c>dir_mailboxes</c> row, in one column order
/// shared by inserts, bulk copies and reads, with the derived search columns computed here, in one place.
/// </summary>
internal static class EntryRow
{
    /// <summary>Published entries get ids above this, so that import ids (1..n) never collide with them.</summary>
    public const long PublicationIdBase = 1L << 40;

    /// <summary>Term field of the professional's names.</summary>
    public const int ProfessionalField = 1;

    /// <summary>Term field of the structure's names.</summary>
    public const int StructureField = 2;

    /// <summary>Term field of the town's words.</summary>
    public const int TownField = 3;

    public static readonly string[] Columns =
    [
        "id", "address", "domain", "kind", "source", "published_by", "liste_rouge", "dematerialisation",
        "description", "phone", "responsible", "service",
        "pp_id_type", "pp_identifier", "pp_id_nat", "civility", "last_name", "first_name",
        "category_code", "category_label", "profession_code", "profession_label", "skill_code", "skill_label",
        "st_id_type", "st_identifier", "st_name", "st_sign", "addr_l2", "addr_l3", "addr_number", "addr_number_ext",
        "addr_street_type", "addr_street", "addr_lieu_dit", "addr_l6", "postal_code", "department", "country",
        "pp_key", "st_key", "sort_name", "profession_norm", "town_norm", "pharmacy_name", "pharmacy",
        "pp_words", "st_words", "row_hash", "updated_at",
    ];

    /// <summary>Number of columns read back into an entry (the derived ones after them are not).</summary>
    private const int EntryColumns = 39;

    /// <summary><c>m.id, m.address, …</c> for SELECTs.</summary>
    public static readonly string SelectList = string.Join(", ", Columns.Select(c => "m." + c));

    /// <summary>The INSERT statement for <paramref name="table"/> with parameters <c>@p0…</c>.</summary>
    public static string InsertSql(string table) =>
        $"INSERT INTO {table} ({string.Join(", ", Columns)}) VALUES ({string.Join(", ", Columns.Select((_, i) => "@p" + i))})";

    /// <summary>The values of a row, in <see cref="Columns"/> order; nulls for absent values.</summary>
    public static object?[] Values(long id, DirectoryEntry e)
    {
        var p = e.Professional;
        var s = e.Structure;
        var values = new object?[Columns.Length];
        values[0] = id;
        values[1] = e.Address;
        values[2] = e.Domain;
        values[3] = e.Kind.ToCode();
        values[4] = (long)e.Source;
        values[5] = e.PublishedBy;
        values[6] = e.ListeRouge ? 1L : 0L;
        values[7] = e.Dematerialisation is { } d ? (d ? 1L : 0L) : null;
        values[8] = e.Description;
        values[9] = e.Phone;
        values[10] = e.Responsible;
        values[11] = e.Service;
        values[12] = p?.IdType;
        values[13] = p?.Identifier;
        values[14] = p?.IdNatPs;
        values[15] = p?.Civility;
        values[16] = p?.LastName;
        values[17] = p?.FirstName;
        values[18] = p?.CategoryCode;
        values[19] = p?.CategoryLabel;
        values[20] = p?.ProfessionCode;
        values[21] = p?.ProfessionLabel;
        values[22] = p?.SkillCode;
        values[23] = p?.SkillLabel;
        values[24] = s?.IdType;
        values[25] = s?.Identifier;
        values[26] = s?.Name;
        values[27] = s?.Sign;
        values[28] = s?.AddressLine2;
        values[29] = s?.AddressLine3;
        values[30] = s?.StreetNumber;
        values[31] = s?.StreetNumberExtension;
        values[32] = s?.StreetType;
        values[33] = s?.StreetName;
        values[34] = s?.LieuDit;
        values[35] = s?.Line6;
        values[36] = s?.PostalCode;
        values[37] = s?.Department;
        values[38] = s?.Country;
        values[39] = p?.Key;
        values[40] = s?.Key;
        values[41] = SortName(e);
        values[42] = NullIfEmpty(SearchText.Normalize(p?.ProfessionLabel));
        values[43] = NullIfEmpty(SearchText.Normalize(s?.Town));
        var pharmacyName = SearchText.Normalize(s?.Name + " " + s?.Sign).Contains("pharmacie", StringComparison.Ordinal);
        values[44] = pharmacyName ? 1L : 0L;
        // Completed by the store: an ORG mailbox of a structure where a pharmacist has a mailbox is a pharmacy too.
        values[45] = pharmacyName && e.Kind == MailboxKind.Organisational ? 1L : 0L;
        values[46] = Words(ProfessionalWords(e));
        values[47] = Words(StructureWords(e));
        values[48] = Hash(values);
        values[49] = e.UpdatedAt.ToUnixTimeMilliseconds();
        return values;
    }

    /// <summary>The name words of the professional (term field 1).</summary>
    public static IReadOnlyList<string> ProfessionalWords(DirectoryEntry e) =>
        e.Professional is { } p ? SearchText.Words(p.LastName + " " + p.FirstName) : [];

    /// <summary>The words of the town (term field 3): every word of the normalised town, as the SQL of the PostgreSQL import derives them.</summary>
    public static IReadOnlyList<string> TownWords(DirectoryEntry e) =>
        e.Structure?.Town is { } town ? SearchText.Normalize(town).Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList() : [];

    /// <summary>The name words of the structure (term field 2).</summary>
    public static IReadOnlyList<string> StructureWords(DirectoryEntry e) =>
        e.Structure is { } s ? SearchText.Words(s.Name + " " + s.Sign) : [];

    public static DirectoryEntry Read(DbDataReader r)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        var hasProfessional = false;
        for (var i = 12; i <= 23 && !hasProfessional; i++)
        {
            hasProfessional = !r.IsDBNull(i);
        }

        var hasStructure = false;
        for (var i = 24; i <= 38 && !hasStructure; i++)
        {
            hasStructure = !r.IsDBNull(i);
        }

        return new DirectoryEntry
        {
            Address = r.GetString(1),
            Kind = MailboxKinds.ParseCode(r.GetString(3)),
            Source = (EntrySource)r.GetInt64(4),
            PublishedBy = S(5),
            ListeRouge = r.GetInt64(6) != 0,
            Dematerialisation = r.IsDBNull(7) ? null : r.GetInt64(7) != 0,
            Description = S(8),
            Phone = S(9),
            Responsible = S(10),
            Service = S(11),
            Professional = hasProfessional
                ? new ProfessionalInfo
                {
                    IdType = S(12),
                    Identifier = S(13),
                    IdNatPs = S(14),
                    Civility = S(15),
                    LastName = S(16),
                    FirstName = S(17),
                    CategoryCode = S(18),
                    CategoryLabel = S(19),
                    ProfessionCode = S(20),
                    ProfessionLabel = S(21),
                    SkillCode = S(22),
                    SkillLabel = S(23),
                }
                : null,
            Structure = hasStructure
                ? new StructureInfo
                {
                    IdType = S(24),
                    Identifier = S(25),
                    Name = S(26),
                    Sign = S(27),
                    AddressLine2 = S(28),
                    AddressLine3 = S(29),
                    StreetNumber = S(30),
                    StreetNumberExtension = S(31),
                    StreetType = S(32),
                    StreetName = S(33),
                    LieuDit = S(34),
                    Line6 = S(35),
                    PostalCode = S(36),
                    Department = S(37),
                    Country = S(38),
                }
                : null,
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(Columns.Length - 1)),
        };
    }

    /// <summary>The département a postal code belongs to: 3 digits overseas (97x, 98x), else 2 (Corsica: 20).</summary>
    public static string? DepartmentOf(string? postalCode)
    {
        var code = postalCode?.Trim();
        if (string.IsNullOrEmpty(code) || code.Length < 2)
        {
            return null;
        }

        return code.Length >= 3 && (code.StartsWith("97", StringComparison.Ordinal) || code.StartsWith("98", StringComparison.Ordinal))
            ? code[..3]
            : code[..2];
    }

    /// <summary>The normalised name results are sorted by: "last first" of the professional, else the structure's sign or name, else the address.</summary>
    public static string SortName(DirectoryEntry e)
    {
        if (e.Professional is { LastName.Length: > 0 } p)
        {
            return SearchText.Normalize(p.LastName + " " + p.FirstName);
        }

        var name = SearchText.Normalize(e.Structure?.Sign is { Length: > 0 } sign ? sign : e.Structure?.Name);
        return name.Length > 0 ? name : e.Address;
    }

    private static string? Words(IReadOnlyList<string> words) => words.Count == 0 ? null : string.Join(' ', words);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>FNV-1a over the content columns: tells a re-import which entries changed without comparing every column in SQL.</summary>
    private static long Hash(object?[] values)
    {
        var hash = 14695981039346656037UL;
        for (var i = 1; i < EntryColumns; i++)
        {
            if (i is 4 or 5)
            {
                continue; // source and publisher are not content
            }

            var text = values[i]?.ToString() ?? "\u0000";
            foreach (var c in text)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            hash = (hash ^ 0x1F) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}
