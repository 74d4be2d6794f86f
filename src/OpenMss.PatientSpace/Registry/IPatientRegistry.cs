using OpenMss.Core.Identifiers;

namespace OpenMss.PatientSpace.Registry;

/// <summary>
/// The patient registry of the patient space: who may receive mail at <c>&lt;INS&gt;@patient.mssante.fr</c>
/// and in which account state (docs/patients.md). Its own tables (<c>pat_*</c>) and migrations, apart
/// from the mail store's, on SQLite or PostgreSQL. Every lookup is by INS, one primary-key seek: its
/// cost does not depend on the registry's size (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Names, date of birth, e-mail addresses and the card serial number are sealed at rest with the
/// store's AES-256-GCM key; the INS is kept in clear, as the key of the lookup (a mailbox address
/// holds it anyway). Nothing here logs an INS or any personal field.
/// </remarks>
public interface IPatientRegistry : IAsyncDisposable
{
    /// <summary>The account state of a patient, or null when the registry does not know the INS. The RCPT hot path: reads one row, decrypts nothing.</summary>
    Task<PatientAccountState?> FindStateAsync(InsMatricule ins, CancellationToken cancellationToken = default);

    /// <summary>The whole record of a patient (decrypted), or null when unknown.</summary>
    Task<Patient?> FindAsync(InsMatricule ins, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets a patient's account state (an administrator, or later the patient from the portal).
    /// Null when the INS is unknown. Setting the same state again changes nothing (not even the time).
    /// </summary>
    Task<PatientStateChange?> SetStateAsync(InsMatricule ins, PatientAccountState state, CancellationToken cancellationToken = default);

    /// <summary>Sets the personal e-mail address chosen at activation (null clears it). False when the INS is unknown.</summary>
    Task<bool> SetPersonalEmailAsync(InsMatricule ins, string? personalEmail, CancellationToken cancellationToken = default);

    /// <summary>How many patients the registry holds.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts an import: rows written to it are applied in one transaction at
    /// <see cref="IPatientImport.CommitAsync"/>, or not at all when it is disposed uncommitted.
    /// One import at a time (a second one waits for the first).
    /// </summary>
    Task<IPatientImport> BeginImportAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// An import in progress (upsert by INS, all or nothing). The last row of an INS wins; an activated
/// patient is never put back to <c>not-activated</c> by an import (activation happens in the patient
/// space, after the insurer's file was made); every other state in the rows applies.
/// </summary>
public interface IPatientImport : IAsyncDisposable
{
    /// <summary>Adds one row. Not thread-safe: one writer.</summary>
    ValueTask WriteAsync(PatientImportRow row, CancellationToken cancellationToken = default);

    /// <summary>Applies every row written, atomically. Disposing without committing discards them all.</summary>
    Task<PatientImportSummary> CommitAsync(CancellationToken cancellationToken = default);
}

/// <summary>What an import did.</summary>
/// <param name="Rows">Rows applied (a repeated INS counts each time).</param>
/// <param name="Added">Patients new to the registry.</param>
/// <param name="Total">Patients in the registry after the import.</param>
public sealed record PatientImportSummary(long Rows, long Added, long Total);
