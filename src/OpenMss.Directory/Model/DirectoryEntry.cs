using OpenMss.Core;

namespace OpenMss.Directory;

/// <summary>Where a directory entry comes from.</summary>
public enum EntrySource
{
    /// <summary>Loaded from the public extraction file (<c>Extraction_Correspondance_MSSante</c>); replaced by the next import.</summary>
    Extraction = 0,

    /// <summary>Published by its operator through the publication API; kept across imports, and preferred to a file line with the same address.</summary>
    Publication = 1,
}

/// <summary>
/// The professional (<i>personne physique</i>) a mailbox belongs to, as the extraction file describes them
/// (ANS, Extraction_Correspondance_MSSante file description: columns 3–5 and 9–17). Values are kept as the source gives them, codes included.
/// </summary>
public sealed record ProfessionalInfo
{
    /// <summary><c>Type Identifiant PP</c>: <c>8</c> for RPPS, <c>0</c> for ADELI (the idNat_PS type digits).</summary>
    public string? IdType { get; init; }

    /// <summary><c>Identifiant PP</c>: the RPPS (11 digits) or ADELI (9 digits) number.</summary>
    public string? Identifier { get; init; }

    /// <summary><c>Identification nationale PP</c>: idNat_PS, the type digit followed by the number.</summary>
    public string? IdNatPs { get; init; }

    /// <summary><c>Civilité d'exercice</c> code (e.g. <c>DR</c>, <c>PR</c>, <c>M</c>, <c>MME</c>).</summary>
    public string? Civility { get; init; }

    /// <summary><c>Nom d'exercice</c>.</summary>
    public string? LastName { get; init; }

    /// <summary><c>Prénom d'exercice</c>.</summary>
    public string? FirstName { get; init; }

    /// <summary><c>Catégorie profession</c> code (<c>TRE_R09</c>, e.g. <c>C</c> civil).</summary>
    public string? CategoryCode { get; init; }

    /// <summary><c>Libellé de catégorie profession</c>.</summary>
    public string? CategoryLabel { get; init; }

    /// <summary><c>Code Profession</c> (<c>TRE_G15</c>, e.g. <c>10</c> médecin, <c>21</c> pharmacien).</summary>
    public string? ProfessionCode { get; init; }

    /// <summary><c>Libellé Profession</c>.</summary>
    public string? ProfessionLabel { get; init; }

    /// <summary><c>Code savoir-faire</c> (specialty, e.g. <c>SM54</c>).</summary>
    public string? SkillCode { get; init; }

    /// <summary><c>Libellé savoir-faire</c>.</summary>
    public string? SkillLabel { get; init; }

    /// <summary>
    /// The key the directory groups a professional's mailboxes by (the FHIR <c>Practitioner</c> id):
    /// idNat_PS, or the type digit and number when the source gives no idNat_PS.
    /// </summary>
    public string? Key => !string.IsNullOrEmpty(IdNatPs) ? IdNatPs
        : !string.IsNullOrEmpty(Identifier) ? (IdType ?? string.Empty) + Identifier
        : null;
}

/// <summary>
/// The structure (<i>personne morale</i>: pharmacy, hospital, practice…) a mailbox is attached to, with its
/// postal address in the AFNOR lines of the extraction file (columns 6–7 and 19–31).
/// </summary>
public sealed record StructureInfo
{
    /// <summary>The <c>Type identifiant structure</c> code for a FINESS number.</summary>
    public const string FinessType = "1";

    /// <summary>The <c>Type identifiant structure</c> code for a SIRET number.</summary>
    public const string SiretType = "3";

    /// <summary><c>Type identifiant structure</c>: <c>1</c> FINESS, <c>3</c> SIRET (the idNatSt type digits; others are kept as given).</summary>
    public string? IdType { get; init; }

    /// <summary><c>Identification Structure</c>: the FINESS or SIRET number.</summary>
    public string? Identifier { get; init; }

    /// <summary><c>Raison Sociale structure BAL</c>.</summary>
    public string? Name { get; init; }

    /// <summary><c>Enseigne commerciale structure BAL</c>.</summary>
    public string? Sign { get; init; }

    /// <summary><c>L2COMPLEMENTLOCALISATION</c>.</summary>
    public string? AddressLine2 { get; init; }

    /// <summary><c>L3COMPLEMENTDISTRIBUTION</c>.</summary>
    public string? AddressLine3 { get; init; }

    /// <summary><c>L4NUMEROVOIE</c>.</summary>
    public string? StreetNumber { get; init; }

    /// <summary><c>L4COMPLEMENTNUMEROVOIE</c> (bis, ter…).</summary>
    public string? StreetNumberExtension { get; init; }

    /// <summary><c>NL4TYPEVOIE</c> (R, AV, BD…).</summary>
    public string? StreetType { get; init; }

    /// <summary><c>L4LIBELLEVOIE</c>.</summary>
    public string? StreetName { get; init; }

    /// <summary><c>L5LIEUDITMENTION</c>.</summary>
    public string? LieuDit { get; init; }

    /// <summary><c>L6LIGNEACHEMINEMENT</c>: postal code and town, e.g. <c>75011 PARIS</c>.</summary>
    public string? Line6 { get; init; }

    /// <summary><c>Code postal structure BAL</c>.</summary>
    public string? PostalCode { get; init; }

    /// <summary><c>Département structure BAL</c>.</summary>
    public string? Department { get; init; }

    /// <summary><c>Pays structure BAL</c>.</summary>
    public string? Country { get; init; }

    /// <summary>The town: the routing line without its postal code (CEDEX mentions kept).</summary>
    public string? Town => TownOf(Line6, PostalCode);

    /// <summary>The key the directory groups a structure's mailboxes by (the FHIR <c>Organization</c> id): idNatSt, type digit then number.</summary>
    public string? Key => string.IsNullOrEmpty(Identifier) ? null : (IdType ?? string.Empty) + Identifier;

    internal static string? TownOf(string? line6, string? postalCode)
    {
        if (string.IsNullOrWhiteSpace(line6))
        {
            return null;
        }

        var text = line6.Trim();
        if (!string.IsNullOrEmpty(postalCode) && text.StartsWith(postalCode, StringComparison.Ordinal))
        {
            text = text[postalCode.Length..].Trim();
        }
        else
        {
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && text.AsSpan(0, space).ContainsAnyExceptInRange('0', '9') is false)
            {
                text = text[(space + 1)..].Trim();
            }
        }

        return text.Length == 0 ? null : text;
    }
}

/// <summary>
/// One mailbox of the directory (one line of the extraction file, plus what only the publication API
/// carries: description, phone, responsible, liste rouge); ANS, Extraction_Correspondance_MSSante file description.
/// </summary>
public sealed record DirectoryEntry
{
    /// <summary>The mailbox address, lower case, under <c>.mssante.fr</c>.</summary>
    public required string Address { get; init; }

    /// <summary>The mailbox type (<c>TRE_R257-TypeBAL</c>).</summary>
    public required MailboxKind Kind { get; init; }

    /// <summary>The owner professional (always for <c>PER</c>; for an <c>ORG</c> mailbox, when the file names one).</summary>
    public ProfessionalInfo? Professional { get; init; }

    /// <summary>The structure the mailbox is attached to.</summary>
    public StructureInfo? Structure { get; init; }

    /// <summary><c>Service de rattachement</c>.</summary>
    public string? Service { get; init; }

    /// <summary>Functional description (publication only).</summary>
    public string? Description { get; init; }

    /// <summary>Phone number specific to the mailbox (publication only).</summary>
    public string? Phone { get; init; }

    /// <summary>Operational responsible (publication only; never for <c>PER</c>).</summary>
    public string? Responsible { get; init; }

    /// <summary><i>Liste rouge</i>: routable by exact address, absent from every public search and from the public extraction.</summary>
    public bool ListeRouge { get; init; }

    /// <summary><c>Dématérialisation</c>: consent to paperless exchange (<c>O</c>/<c>N</c>); null when not stated.</summary>
    public bool? Dematerialisation { get; init; }

    /// <summary>Where the entry comes from.</summary>
    public EntrySource Source { get; init; }

    /// <summary>The operator that published it (publication only).</summary>
    public string? PublishedBy { get; init; }

    /// <summary>When the entry was last written.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The domain of <see cref="Address"/>.</summary>
    public string Domain => Address[(Address.LastIndexOf('@') + 1)..];

    /// <summary>A name for people: "Prénom NOM" of the professional, else the structure's name or sign, else the address.</summary>
    public string DisplayName
    {
        get
        {
            var person = string.Join(' ', new[] { Professional?.FirstName, Professional?.LastName }.Where(s => !string.IsNullOrWhiteSpace(s)));
            if (person.Length > 0)
            {
                return person;
            }

            return Structure?.Sign is { Length: > 0 } sign ? sign
                : Structure?.Name is { Length: > 0 } name ? name
                : Address;
        }
    }
}
