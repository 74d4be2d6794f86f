using OpenMss.Core;
using OpenMss.Core.Addressing;
using OpenMss.Core.Identifiers;

namespace OpenMss.Directory.Extraction;

/// <summary>The file is not an <c>Extraction_Correspondance_MSSante</c> file (wrong or missing header).</summary>
public sealed class ExtractionFormatException : FormatException
{
    public ExtractionFormatException(string message)
        : base(message)
    {
    }

    public ExtractionFormatException()
    {
    }

    public ExtractionFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A line of the file that was rejected, or kept with an anomaly; <see cref="LineNumber"/> counts from 1 (the header).</summary>
public sealed record ImportIssue(long LineNumber, string Reason)
{
    public override string ToString() => $"line {LineNumber}: {Reason}";
}

/// <summary>
/// The public extraction file of the directory, <c>Extraction_Correspondance_MSSante</c> (ANS,
/// Extraction_Correspondance_MSSante file description): UTF-8, one header line, one line per mailbox, 31 columns separated by <c>|</c>, in the
/// order of <see cref="Header"/>. No quoting exists in the format, so a <c>|</c> or a line break inside a
/// value is written as a space.
/// </summary>
public static class ExtractionFormat
{
    /// <summary>The separator.</summary>
    public const char Separator = '|';

    /// <summary>The 31 column names, in file order.</summary>
    public static IReadOnlyList<string> Header { get; } =
    [
        "Type de BAL", "Adresse BAL", "Type Identifiant PP", "Identifiant PP",
        "Identification nationale PP", "Type identifiant structure", "Identification Structure",
        "Service de rattachement", "Civilité d'exercice", "Nom d'exercice", "Prénom d'exercice",
        "Catégorie profession", "Libellé de catégorie profession", "Code Profession",
        "Libellé Profession", "Code savoir-faire", "Libellé savoir-faire", "Dématérialisation",
        "Raison Sociale structure BAL", "Enseigne commerciale structure BAL",
        "L2COMPLEMENTLOCALISATION structure BAL", "L3COMPLEMENTDISTRIBUTION structure BAL",
        "L4NUMEROVOIE structure BAL", "L4COMPLEMENTNUMEROVOIE structure BAL",
        "NL4TYPEVOIE structure BAL", "L4LIBELLEVOIE structure BAL",
        "L5LIEUDITMENTION structure BAL", "L6LIGNEACHEMINEMENT structure BAL",
        "Code postal structure BAL", "Département structure BAL", "Pays structure BAL",
    ];

    /// <summary>Number of columns.</summary>
    public static int ColumnCount => Header.Count;

    /// <summary>The header line.</summary>
    public static string HeaderLine { get; } = string.Join(Separator, Header);

    /// <summary>The 31 values of an entry, in file order (absent values empty).</summary>
    public static string[] ToFields(DirectoryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var p = entry.Professional;
        var s = entry.Structure;
        string?[] values =
        [
            entry.Kind.ToCode(), entry.Address, p?.IdType, p?.Identifier, p?.IdNatPs, s?.IdType, s?.Identifier,
            entry.Service, p?.Civility, p?.LastName, p?.FirstName, p?.CategoryCode, p?.CategoryLabel,
            p?.ProfessionCode, p?.ProfessionLabel, p?.SkillCode, p?.SkillLabel,
            entry.Dematerialisation switch { true => "O", false => "N", null => null },
            s?.Name, s?.Sign, s?.AddressLine2, s?.AddressLine3, s?.StreetNumber, s?.StreetNumberExtension,
            s?.StreetType, s?.StreetName, s?.LieuDit, s?.Line6, s?.PostalCode, s?.Department, s?.Country,
        ];
        return values.Select(Clean).ToArray();
    }

    /// <summary>The line of an entry (without line break).</summary>
    public static string ToLine(DirectoryEntry entry) => string.Join(Separator, ToFields(entry));

    /// <summary>Whether <paramref name="line"/> is the header (31 columns, the first one <c>Type de BAL</c>, ignoring case and accents).</summary>
    public static bool IsHeader(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = SplitTolerant(line);
        return fields is not null && SearchText.Normalize(fields[0]) == "type de bal";
    }

    /// <summary>
    /// Reads one line: the entry, or why the line is rejected (wrong column count, unknown mailbox type,
    /// address not under <c>.mssante.fr</c>); the anomalies of a kept line (identifier keys that fail their
    /// check, unknown codes) are added to <paramref name="anomalies"/>.
    /// </summary>
    public static DirectoryEntry? Parse(string line, out string? rejection, List<string> anomalies)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(anomalies);
        var fields = SplitTolerant(line);
        if (fields is null)
        {
            rejection = $"expected {ColumnCount} columns separated by '|', found {line.Split(Separator).Length}";
            return null;
        }

        string? F(int i)
        {
            var value = fields[i].Trim();
            return value.Length == 0 ? null : value;
        }

        if (!MailboxKinds.TryParseCode(F(0), out var kind))
        {
            rejection = F(0) is null ? "the mailbox type (Type de BAL) is empty" : $"unknown mailbox type '{F(0)}' (expected PER, ORG, APP or CAB)";
            return null;
        }

        if (!MssAddress.TryParse(F(1), out var address, out var addressError))
        {
            rejection = "invalid address: " + addressError.EnglishReason;
            return null;
        }

        if (address.IsPatientDomain)
        {
            rejection = "patient mailboxes (patient.mssante.fr) are not listed in the directory";
            return null;
        }

        rejection = null;
        var professional = Any(fields, 2, 4) || Any(fields, 8, 16)
            ? new ProfessionalInfo
            {
                IdType = F(2),
                Identifier = F(3),
                IdNatPs = F(4),
                Civility = F(8),
                LastName = F(9),
                FirstName = F(10),
                CategoryCode = F(11),
                CategoryLabel = F(12),
                ProfessionCode = F(13),
                ProfessionLabel = F(14),
                SkillCode = F(15),
                SkillLabel = F(16),
            }
            : null;
        var structure = Any(fields, 5, 6) || Any(fields, 18, 30)
            ? new StructureInfo
            {
                IdType = F(5),
                Identifier = StructureNumber(F(5), F(6)),
                Name = F(18),
                Sign = F(19),
                AddressLine2 = F(20),
                AddressLine3 = F(21),
                StreetNumber = F(22),
                StreetNumberExtension = F(23),
                StreetType = F(24),
                StreetName = F(25),
                LieuDit = F(26),
                Line6 = F(27),
                PostalCode = F(28),
                Department = F(29),
                Country = F(30),
            }
            : null;

        bool? dematerialisation = null;
        if (F(17) is { } paperless)
        {
            dematerialisation = SearchText.Normalize(paperless) switch
            {
                "o" or "oui" or "true" or "1" or "y" or "yes" => true,
                "n" or "non" or "false" or "0" or "no" => false,
                _ => null,
            };
            if (dematerialisation is null)
            {
                anomalies.Add($"Dématérialisation '{paperless}' is neither O nor N; left empty");
            }
        }

        CheckProfessional(kind, professional, anomalies);
        CheckStructure(kind, structure, anomalies);
        return new DirectoryEntry
        {
            Address = address.Value,
            Kind = kind,
            Professional = professional,
            Structure = structure,
            Service = F(7),
            Dematerialisation = dematerialisation,
            Source = EntrySource.Extraction,
        };
    }

    private static void CheckProfessional(MailboxKind kind, ProfessionalInfo? p, List<string> anomalies)
    {
        if (p?.Identifier is not { } identifier)
        {
            if (kind == MailboxKind.Personal)
            {
                anomalies.Add("PER mailbox without a professional identifier (Identifiant PP)");
            }

            return;
        }

        switch (p.IdType)
        {
            case "8":
                if (!Rpps.TryParseLenient(identifier, out _, out var rppsError) || !rppsError.IsNone)
                {
                    anomalies.Add("Identifiant PP: " + rppsError.EnglishReason);
                }

                break;
            case "0":
                if (!Adeli.TryParse(identifier, out _, out var adeliError))
                {
                    anomalies.Add("Identifiant PP: " + adeliError.EnglishReason);
                }

                break;
            default:
                anomalies.Add($"Type Identifiant PP '{p.IdType}' is neither 8 (RPPS) nor 0 (ADELI)");
                break;
        }

        if (p.IdNatPs is { } idNat)
        {
            if (!IdNatPs.TryParseLenient(idNat, out _, out var idNatError))
            {
                anomalies.Add("Identification nationale PP: " + idNatError.EnglishReason);
            }
            else if (!string.Equals(idNat, p.IdType + identifier, StringComparison.Ordinal))
            {
                anomalies.Add("Identification nationale PP does not match the type and the identifier");
            }
        }
    }

    private static void CheckStructure(MailboxKind kind, StructureInfo? s, List<string> anomalies)
    {
        if (s?.Identifier is not { } identifier)
        {
            if (kind == MailboxKind.Organisational)
            {
                anomalies.Add("ORG mailbox without a structure identifier (Identification Structure)");
            }

            return;
        }

        IdentifierError error;
        var shapeOk = s.IdType switch
        {
            StructureInfo.FinessType => Finess.TryParseLenient(identifier, out _, out error),
            StructureInfo.SiretType => Siret.TryParseLenient(identifier, out _, out error),
            _ => Unchecked(out error),
        };
        if (!shapeOk || !error.IsNone)
        {
            anomalies.Add("Identification Structure: " + error.EnglishReason);
        }
    }

    private static bool Unchecked(out IdentifierError error)
    {
        error = IdentifierError.None;
        return true;
    }

    /// <summary>The FINESS or SIRET number, also when the file gives the idNatSt form (type digit first).</summary>
    private static string? StructureNumber(string? type, string? value)
    {
        if (value is null)
        {
            return null;
        }

        var prefixed = (type, value.Length) switch
        {
            (StructureInfo.FinessType, Finess.Length + 1) or (StructureInfo.SiretType, Siret.Length + 1) => value[0] == type[0],
            _ => false,
        };
        return prefixed ? value[1..] : value.ToUpperInvariant();
    }

    private static bool Any(string[] fields, int from, int to)
    {
        for (var i = from; i <= to; i++)
        {
            if (!string.IsNullOrWhiteSpace(fields[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>31 fields; a trailing separator (32 fields, the last empty) is tolerated, as some exports end lines with one.</summary>
    private static string[]? SplitTolerant(string line)
    {
        var fields = line.Split(Separator);
        if (fields.Length == ColumnCount + 1 && fields[^1].Trim().Length == 0)
        {
            return fields[..ColumnCount];
        }

        return fields.Length == ColumnCount ? fields : null;
    }

    private static string Clean(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        return value.AsSpan().IndexOfAny('|', '\r', '\n') < 0
            ? value
            : value.Replace('|', ' ').Replace('\r', ' ').Replace('\n', ' ');
    }
}
