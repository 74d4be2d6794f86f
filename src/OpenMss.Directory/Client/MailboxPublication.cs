namespace OpenMss.Directory.Client;

/// <summary>
/// What an operator publishes about one of its mailboxes (<c>PUT /api/publication/mailboxes/{address}</c>,
/// JSON with camelCase names). Identifiers are checked strictly: a wrong RPPS, FINESS or SIRET key is
/// refused (policy for API writes in docs/identifiers.md).
/// </summary>
public sealed record MailboxPublication
{
    /// <summary><c>PER</c>, <c>ORG</c>, <c>APP</c> or <c>CAB</c>.</summary>
    public string? Kind { get; init; }

    /// <summary>The owner professional's RPPS number (11 digits, Luhn key).</summary>
    public string? Rpps { get; init; }

    /// <summary>The owner professional's ADELI number (9 digits), when they have no RPPS.</summary>
    public string? Adeli { get; init; }

    /// <summary>The structure's FINESS number.</summary>
    public string? Finess { get; init; }

    /// <summary>The structure's SIRET number.</summary>
    public string? Siret { get; init; }

    /// <summary>Civilité d'exercice code (<c>DR</c>, <c>PR</c>, <c>M</c>, <c>MME</c>…).</summary>
    public string? Civility { get; init; }

    public string? LastName { get; init; }

    public string? FirstName { get; init; }

    /// <summary>Profession code (<c>TRE_G15</c>: <c>10</c> médecin, <c>21</c> pharmacien…).</summary>
    public string? ProfessionCode { get; init; }

    public string? ProfessionLabel { get; init; }

    /// <summary>Professional category code (<c>TRE_R09</c>: <c>C</c> civil…).</summary>
    public string? CategoryCode { get; init; }

    public string? CategoryLabel { get; init; }

    /// <summary>Savoir-faire (specialty) code.</summary>
    public string? SkillCode { get; init; }

    public string? SkillLabel { get; init; }

    /// <summary>Raison sociale of the structure.</summary>
    public string? StructureName { get; init; }

    /// <summary>Enseigne commerciale of the structure.</summary>
    public string? StructureSign { get; init; }

    /// <summary>Street number of the structure.</summary>
    public string? StreetNumber { get; init; }

    /// <summary>Street type (<c>R</c>, <c>AV</c>, <c>BD</c>…).</summary>
    public string? StreetType { get; init; }

    /// <summary>Street name.</summary>
    public string? StreetName { get; init; }

    /// <summary>Postal code (5 digits).</summary>
    public string? PostalCode { get; init; }

    /// <summary>Town.</summary>
    public string? Town { get; init; }

    /// <summary>Service de rattachement.</summary>
    public string? Service { get; init; }

    /// <summary>Functional description of the mailbox.</summary>
    public string? Description { get; init; }

    /// <summary>Phone number for the mailbox's use.</summary>
    public string? Phone { get; init; }

    /// <summary>Operational responsible (not for <c>PER</c>).</summary>
    public string? Responsible { get; init; }

    /// <summary>Liste rouge: routable, absent from public search.</summary>
    public bool ListeRouge { get; init; }

    /// <summary>Consent to paperless exchange.</summary>
    public bool? Dematerialisation { get; init; }
}
