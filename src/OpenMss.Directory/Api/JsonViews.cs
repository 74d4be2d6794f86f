using OpenMss.Core;

namespace OpenMss.Directory.Api;

/// <summary>A mailbox as the JSON API shows it (camelCase).</summary>
public sealed record MailboxView(
    string Address,
    string Kind,
    string DisplayName,
    ProfessionalView? Professional,
    StructureView? Structure,
    string? Service,
    string? Description,
    string? Phone,
    string? Responsible,
    bool ListeRouge,
    bool? Dematerialisation,
    string Source,
    string? PublishedBy,
    DateTimeOffset UpdatedAt)
{
    /// <summary>What anyone may know of a liste rouge entry: that the address exists and its kind, not who holds it.</summary>
    public static MailboxView Withheld(DirectoryEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new MailboxView(e.Address, e.Kind.ToCode(), string.Empty, null, null, null, null, null, null, true, null, e.Source == EntrySource.Publication ? "publication" : "extraction", null, e.UpdatedAt);
    }

    public static MailboxView From(DirectoryEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new MailboxView(
            e.Address,
            e.Kind.ToCode(),
            e.DisplayName,
            e.Professional is { } p ? new ProfessionalView(p.IdType, p.Identifier, p.IdNatPs, p.Civility, p.LastName, p.FirstName,
                p.CategoryCode, p.CategoryLabel, p.ProfessionCode, p.ProfessionLabel, p.SkillCode, p.SkillLabel) : null,
            e.Structure is { } s ? new StructureView(s.IdType, s.Identifier, s.Key, s.Name, s.Sign,
                string.Join(' ', new[] { s.StreetNumber, s.StreetNumberExtension, s.StreetType, s.StreetName }.Where(v => !string.IsNullOrEmpty(v))) is { Length: > 0 } street ? street : null,
                s.AddressLine2, s.AddressLine3, s.LieuDit, s.PostalCode, s.Town, s.Department, s.Country) : null,
            e.Service,
            e.Description,
            e.Phone,
            e.Responsible,
            e.ListeRouge,
            e.Dematerialisation,
            e.Source == EntrySource.Publication ? "publication" : "extraction",
            e.PublishedBy,
            e.UpdatedAt);
    }
}

/// <summary>The professional of a mailbox, in the JSON API.</summary>
public sealed record ProfessionalView(
    string? IdType, string? Identifier, string? IdNatPs, string? Civility, string? LastName, string? FirstName,
    string? CategoryCode, string? CategoryLabel, string? ProfessionCode, string? ProfessionLabel, string? SkillCode, string? SkillLabel);

/// <summary>The structure of a mailbox, in the JSON API.</summary>
public sealed record StructureView(
    string? IdType, string? Identifier, string? IdNatSt, string? Name, string? Sign, string? Street,
    string? AddressLine2, string? AddressLine3, string? LieuDit, string? PostalCode, string? Town, string? Department, string? Country);

/// <summary>A page of <c>GET /api/search</c>.</summary>
public sealed record SearchResponse(int Total, bool TotalIsExact, int Page, int PageSize, bool HasMore, IReadOnlyList<MailboxView> Items);

/// <summary>One pharmacy of <c>GET /api/pharmacies</c>.</summary>
public sealed record PharmacyView(string Address, string Name, string? Finess, string? Siret, string? PostalCode, string? Town, bool SameDepartment);
