using OpenMss.Core;

namespace OpenMss.Directory;

/// <summary>Which name a name search looks at.</summary>
public enum NameScope
{
    /// <summary>The professional's names and the structure's names.</summary>
    Any,

    /// <summary>Only the professional's last and first names (FHIR <c>Practitioner?name=</c>).</summary>
    Professional,

    /// <summary>Only the structure's raison sociale and enseigne (FHIR <c>Organization?name=</c>).</summary>
    Structure,
}

/// <summary>How a mailbox address filter compares (FHIR string search modifiers).</summary>
public enum AddressMatch
{
    /// <summary>The address starts with the value (case-insensitive).</summary>
    Prefix,

    /// <summary>The address is the value.</summary>
    Exact,

    /// <summary>The address contains the value.</summary>
    Contains,
}

/// <summary>
/// A public directory search: every filter given must match; text filters ignore case and
/// accents; liste rouge entries are never returned. Empty filters are ignored.
/// </summary>
public sealed record DirectorySearch
{
    /// <summary>The largest page the directory returns.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Words that must each start a word of the name (e.g. <c>hél dup</c> finds Hélène DUPONT).</summary>
    public string? Name { get; init; }

    /// <summary>Where <see cref="Name"/> looks.</summary>
    public NameScope NameScope { get; init; }

    /// <summary>An RPPS number (the professional's identifier).</summary>
    public string? Rpps { get; init; }

    /// <summary>An ADELI number.</summary>
    public string? Adeli { get; init; }

    /// <summary>An idNat_PS (the FHIR <c>Practitioner</c> id).</summary>
    public string? IdNatPs { get; init; }

    /// <summary>A FINESS number.</summary>
    public string? Finess { get; init; }

    /// <summary>A SIRET number.</summary>
    public string? Siret { get; init; }

    /// <summary>An idNatSt (the FHIR <c>Organization</c> id: type digit then number).</summary>
    public string? StructureKey { get; init; }

    /// <summary>A mailbox address, or its beginning (see <see cref="AddressMatch"/>).</summary>
    public string? Address { get; init; }

    /// <summary>How <see cref="Address"/> compares.</summary>
    public AddressMatch AddressMatch { get; init; }

    /// <summary>The mailbox type.</summary>
    public MailboxKind? Kind { get; init; }

    /// <summary>A profession code (digits, e.g. <c>21</c>) or the beginning of its label (e.g. <c>pharm</c>).</summary>
    public string? Profession { get; init; }

    /// <summary>A postal code or its beginning (<c>75</c> is Paris).</summary>
    public string? PostalCode { get; init; }

    /// <summary>The beginning of the town's name.</summary>
    public string? Town { get; init; }

    /// <summary>Only mailboxes with an owner professional.</summary>
    public bool RequireProfessional { get; init; }

    /// <summary>Only mailboxes attached to a structure.</summary>
    public bool RequireStructure { get; init; }

    /// <summary>Page number, from 1.</summary>
    public int Page { get; init; } = 1;

    /// <summary>Entries per page, 1 to <see cref="MaxPageSize"/>.</summary>
    public int PageSize { get; init; } = 20;
}

/// <summary>One page of search results.</summary>
/// <param name="Items">The entries of the page, by name then address.</param>
/// <param name="Total">How many entries match, counted up to <see cref="DirectorySearchPage{T}.CountLimit"/>.</param>
/// <param name="TotalIsExact">False when more than <see cref="DirectorySearchPage{T}.CountLimit"/> match (then <paramref name="Total"/> is that limit).</param>
/// <param name="Page">The page number, from 1.</param>
/// <param name="PageSize">The page size asked for.</param>
public sealed record DirectorySearchPage<T>(IReadOnlyList<T> Items, int Total, bool TotalIsExact, int Page, int PageSize)
{
    /// <summary>
    /// At most this many matches are collected, sorted and paged: a search matching half the directory must
    /// not cost a scan of it. Beyond, <see cref="TotalIsExact"/> is false and the person narrows the search.
    /// </summary>
    public const int CountLimit = 200;

    /// <summary>Whether a next page exists.</summary>
    public bool HasMore => (long)Page * PageSize < Total;
}

/// <summary>A pharmacy with an organisational mailbox, for the patient portal.</summary>
/// <param name="Mailbox">The pharmacy's <c>ORG</c> mailbox.</param>
/// <param name="DistanceRank">0 in the same département as the postal code asked for, 1 elsewhere (then by nearest postal code).</param>
public sealed record PharmacyResult(DirectoryEntry Mailbox, int DistanceRank);

/// <summary>An operator of the trust space registered in the directory.</summary>
/// <param name="Id">Directory identifier.</param>
/// <param name="Name">The operator's name.</param>
/// <param name="Domains">Its mailbox domains (lower-case A-labels).</param>
/// <param name="RelayEndpoint">Its SMTP relay, <c>host:port</c> (the demo's routing table).</param>
/// <param name="CertificateThumbprint">SHA-256 thumbprint (hex) of its client certificate, when pinned; publication then requires that certificate.</param>
/// <param name="RegisteredAt">When it was registered or last changed.</param>
public sealed record OperatorRecord(long Id, string Name, IReadOnlyList<string> Domains, string? RelayEndpoint, string? CertificateThumbprint, DateTimeOffset RegisteredAt);

/// <summary>
/// One line of the directory's audit trail: who changed which mailbox, how, when and with what result.
/// Never personal data beyond the address.
/// </summary>
/// <param name="At">When.</param>
/// <param name="Actor">Who: the client certificate subject (or <c>import</c>, <c>admin</c>).</param>
/// <param name="Operator">The operator name, when known.</param>
/// <param name="Action"><c>publish</c>, <c>delete</c>, <c>list</c>, <c>import</c>, <c>register-operator</c>.</param>
/// <param name="Address">The mailbox address, when the action is about one.</param>
/// <param name="Result"><c>created</c>, <c>updated</c>, <c>deleted</c>, <c>not-found</c>, <c>refused: …</c>, <c>ok</c>.</param>
public sealed record DirectoryAuditEvent(DateTimeOffset At, string Actor, string? Operator, string Action, string? Address, string Result);
