namespace OpenMss.Directory;

/// <summary>What changed when the extraction part of the directory was replaced.</summary>
/// <param name="Loaded">Entries loaded from the file.</param>
/// <param name="Added">Addresses that were not in the previous extraction.</param>
/// <param name="Updated">Addresses whose content changed.</param>
/// <param name="Removed">Addresses of the previous extraction that are no longer in the file.</param>
/// <param name="Unchanged">Addresses identical in both.</param>
/// <param name="SupersededByPublication">File lines ignored because their operator published the address (publication wins).</param>
public sealed record ReplaceSummary(long Loaded, long Added, long Updated, long Removed, long Unchanged, long SupersededByPublication);

/// <summary>Whether a publication created or updated an entry.</summary>
public enum PublishOutcome
{
    Created,
    Updated,
}

/// <summary>
/// The national directory's store (ANS annuaire FHIR implementation guide; Extraction_Correspondance_MSSante file description): mailboxes with their professional and structure,
/// the operators of the trust space, and the audit trail of changes. Two backends, one schema each:
/// SQLite (embedded) and PostgreSQL. Text search columns are normalised by <see cref="SearchText"/> and
/// indexed for range scans, so that search cost does not grow with the directory's size.
/// </summary>
public interface IDirectoryStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema (idempotent; the open factory calls it).</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces every <see cref="EntrySource.Extraction"/> entry by <paramref name="entries"/>, all or nothing:
    /// the entries are loaded into staging tables inside one transaction that ends by swapping them in.
    /// A failure or a cancellation (also while <paramref name="entries"/> is being enumerated) leaves the
    /// previous directory exactly as it was. Published entries are kept; a file entry whose address was
    /// published is ignored. Addresses must be distinct (the importer rejects duplicates).
    /// </summary>
    Task<ReplaceSummary> ReplaceExtractionAsync(IAsyncEnumerable<DirectoryEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>The entry of an address, liste rouge included (routing); null when unknown.</summary>
    Task<DirectoryEntry?> FindAsync(string address, CancellationToken cancellationToken = default);

    /// <summary>A public search: liste rouge entries are left out.</summary>
    Task<DirectorySearchPage<DirectoryEntry>> SearchAsync(DirectorySearch search, CancellationToken cancellationToken = default);

    /// <summary>
    /// Public search grouped by professional (<see cref="ProfessionalInfo.Key"/>) or structure
    /// (<see cref="StructureInfo.Key"/>), in key order: the keys of one page (FHIR searches).
    /// </summary>
    Task<(IReadOnlyList<string> Keys, bool HasMore)> SearchKeysAsync(DirectorySearch search, KeyGrouping grouping, int offset, int count, CancellationToken cancellationToken = default);

    /// <summary>The public mailboxes of a professional (by <see cref="ProfessionalInfo.Key"/>).</summary>
    Task<IReadOnlyList<DirectoryEntry>> FindByProfessionalAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The public mailboxes attached to a structure (by <see cref="StructureInfo.Key"/>).</summary>
    Task<IReadOnlyList<DirectoryEntry>> FindByStructureAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pharmacies with an <c>ORG</c> mailbox (the mailbox a patient writes to): the ORG mailboxes of structures where a
    /// pharmacist (profession code <c>21</c>) has a mailbox or whose name says <i>pharmacie</i>; nearest
    /// first: same département as <paramref name="postalCode"/>, then by distance between postal codes;
    /// or in a town. Liste rouge mailboxes are left out.
    /// </summary>
    Task<IReadOnlyList<PharmacyResult>> FindPharmaciesAsync(string? postalCode, string? town, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every public entry (not on the liste rouge), in address order, streamed (the public extraction).</summary>
    IAsyncEnumerable<DirectoryEntry> ExportAsync(CancellationToken cancellationToken = default);

    /// <summary>How many entries the directory holds (liste rouge included).</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a published entry (<see cref="EntrySource.Publication"/>).</summary>
    Task<PublishOutcome> PublishAsync(DirectoryEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Deletes an entry; false when there was none.</summary>
    Task<bool> DeleteAsync(string address, CancellationToken cancellationToken = default);

    /// <summary>Every entry (liste rouge included) whose domain is one of <paramref name="domains"/>, by address.</summary>
    Task<IReadOnlyList<DirectoryEntry>> ListByDomainsAsync(IReadOnlyCollection<string> domains, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers an operator, or updates the one with the same name: its domains (which must not belong to
    /// another operator), relay endpoint (<c>host:port</c>) and optional pinned certificate thumbprint.
    /// </summary>
    /// <exception cref="ArgumentException">A domain is not under <c>.mssante.fr</c> or belongs to another operator; the relay is not <c>host:port</c>.</exception>
    Task<OperatorRecord> RegisterOperatorAsync(string name, IReadOnlyList<string> domains, string? relayEndpoint, string? certificateThumbprint = null, CancellationToken cancellationToken = default);

    /// <summary>Every registered operator, by name.</summary>
    Task<IReadOnlyList<OperatorRecord>> ListOperatorsAsync(CancellationToken cancellationToken = default);

    /// <summary>The operator a domain is registered to, or null.</summary>
    Task<OperatorRecord?> FindOperatorByDomainAsync(string domain, CancellationToken cancellationToken = default);

    /// <summary>Appends a line to the audit trail.</summary>
    Task AppendAuditAsync(DirectoryAuditEvent auditEvent, CancellationToken cancellationToken = default);

    /// <summary>The most recent audit lines, newest first, optionally for one address.</summary>
    Task<IReadOnlyList<DirectoryAuditEvent>> QueryAuditAsync(string? address = null, int limit = 100, CancellationToken cancellationToken = default);
}

/// <summary>How <see cref="IDirectoryStore.SearchKeysAsync"/> groups mailboxes.</summary>
public enum KeyGrouping
{
    /// <summary>By professional (FHIR <c>Practitioner</c>).</summary>
    Professional,

    /// <summary>By structure (FHIR <c>Organization</c>).</summary>
    Structure,

    /// <summary>By professional and structure together (FHIR <c>PractitionerRole</c>: key <c>professional|structure</c>).</summary>
    Role,
}

/// <summary>The database was written by a newer OpenMSS: this build will not touch it.</summary>
public sealed class DirectorySchemaTooNewException : InvalidOperationException
{
    public DirectorySchemaTooNewException(int found, int known)
        : base($"The directory database has schema version {found}; this OpenMSS knows up to {known}. Upgrade OpenMSS.")
    {
    }
}
