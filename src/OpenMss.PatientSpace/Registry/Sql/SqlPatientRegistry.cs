using System.Data.Common;
using Microsoft.Extensions.Logging;
using OpenMss.Core.Identifiers;
using OpenMss.Storage.Sql;

namespace OpenMss.PatientSpace.Registry.Sql;

/// <summary>
/// The registry logic shared by the SQLite and PostgreSQL backends: one table <c>pat_patients</c>
/// keyed by the INS (a primary-key seek per lookup), the same SQL where the dialects agree. A backend
/// supplies its connections, its migrations and the bulk path of an import.
/// </summary>
internal abstract partial class SqlPatientRegistry : IPatientRegistry
{
    protected const string Patients = "pat_patients";

    /// <summary>
    /// The upsert of one imported patient. An activated patient stays activated when the insurer's row
    /// says not-activated; the state's time moves only when the state does.
    /// </summary>
    protected const string UpsertSet =
        $"ON CONFLICT (ins) DO UPDATE SET identity = excluded.identity, " +
        $"state = CASE WHEN {Patients}.state = 1 AND excluded.state = 2 THEN {Patients}.state ELSE excluded.state END, " +
        $"state_changed_at = CASE WHEN {Patients}.state = excluded.state OR ({Patients}.state = 1 AND excluded.state = 2) " +
        $"THEN {Patients}.state_changed_at ELSE excluded.state_changed_at END";

    protected SqlPatientRegistry(PatientSeal seal, ILogger logger, TimeProvider timeProvider)
    {
        Seal = seal;
        Logger = logger;
        Time = timeProvider;
    }

    protected PatientSeal Seal { get; }

    protected ILogger Logger { get; }

    protected TimeProvider Time { get; }

    /// <summary>Creates or upgrades the schema.</summary>
    public abstract Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>An open connection (pooled).</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary><c>FOR UPDATE</c> where the backend locks rows (PostgreSQL); SQLite's write transaction already excludes other writers.</summary>
    protected virtual string ForUpdate => string.Empty;

    public abstract Task<IPatientImport> BeginImportAsync(CancellationToken cancellationToken = default);

    public abstract ValueTask DisposeAsync();

    /// <summary>Applies the migrations not yet recorded in <c>pat_schema_version</c>, each in its own transaction.</summary>
    /// <exception cref="InvalidOperationException">The database was migrated by a newer version.</exception>
    protected async Task ApplyMigrationsAsync(DbConnection connection, IReadOnlyList<Migration> migrations, string backendName, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS pat_schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            null, cancellationToken).ConfigureAwait(false);
        foreach (var migration in migrations)
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var current = await connection.ScalarLongAsync("SELECT COALESCE(MAX(version), 0) FROM pat_schema_version", transaction, cancellationToken).ConfigureAwait(false);
                if (current > migrations.Count)
                {
                    throw new InvalidOperationException(
                        $"The patient registry's schema is version {current}, newer than this OpenMSS knows ({migrations.Count}): upgrade OpenMSS.");
                }

                if (current < migration.Version)
                {
                    await connection.ExecuteAsync(migration.Sql, transaction, cancellationToken).ConfigureAwait(false);
                    await connection.ExecuteAsync("INSERT INTO pat_schema_version (version, name, applied_at) VALUES (@v, @n, @at)", transaction, cancellationToken,
                        ("v", migration.Version), ("n", migration.Name), ("at", Time.GetUtcNow().ToUnixTimeMilliseconds())).ConfigureAwait(false);
                    LogMigrationApplied(Logger, backendName, migration.Version, migration.Name);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<PatientAccountState?> FindStateAsync(InsMatricule ins, CancellationToken cancellationToken = default)
    {
        var key = Key(ins);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.Command($"SELECT state FROM {Patients} WHERE ins = @ins").With("ins", key);
            var state = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return state is null or DBNull ? null : (PatientAccountState)Convert.ToInt32(state, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public async Task<Patient?> FindAsync(InsMatricule ins, CancellationToken cancellationToken = default)
    {
        var key = Key(ins);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.Command(
                $"SELECT state, state_changed_at, identity, personal_email FROM {Patients} WHERE ins = @ins").With("ins", key);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new Patient(
                    ins,
                    Seal.OpenIdentity(ins, reader.GetFieldValue<byte[]>(2)),
                    (PatientAccountState)reader.GetInt32(0),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                    Seal.OpenEmail(ins, reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3)));
            }
        }
    }

    public async Task<PatientStateChange?> SetStateAsync(InsMatricule ins, PatientAccountState state, CancellationToken cancellationToken = default)
    {
        var key = Key(ins);
        _ = state.ToText(); // an undefined value throws here, before anything is written
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                PatientAccountState previous;
                DateTimeOffset since;
                using (var read = connection.Command($"SELECT state, state_changed_at FROM {Patients} WHERE ins = @ins{ForUpdate}", transaction).With("ins", key))
                {
                    var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            return null;
                        }

                        previous = (PatientAccountState)reader.GetInt32(0);
                        since = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1));
                    }
                }

                if (previous == state)
                {
                    return new PatientStateChange(previous, state, since);
                }

                var now = Time.GetUtcNow();
                await connection.ExecuteAsync($"UPDATE {Patients} SET state = @state, state_changed_at = @at WHERE ins = @ins", transaction, cancellationToken,
                    ("state", (int)state), ("at", now.ToUnixTimeMilliseconds()), ("ins", key)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new PatientStateChange(previous, state, now);
            }
        }
    }

    public async Task<bool> SetPersonalEmailAsync(InsMatricule ins, string? personalEmail, CancellationToken cancellationToken = default)
    {
        var key = Key(ins);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync($"UPDATE {Patients} SET personal_email = @email WHERE ins = @ins", null, cancellationToken,
                ("email", Seal.SealEmail(ins, personalEmail)), ("ins", key)).ConfigureAwait(false) == 1;
        }
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ScalarLongAsync($"SELECT COUNT(*) FROM {Patients}", null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A write transaction (on SQLite an immediate one: writers queue instead of failing on upgrade).</summary>
    protected virtual async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The stored key of a patient: the canonical INS (upper-case Corsican letter).</summary>
    protected static string Key(InsMatricule ins) =>
        ins.IsKeyValid ? ins.Value : throw new ArgumentException("The INS matricule is missing or its key is wrong.", nameof(ins));

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Backend} patient registry schema migration {Version} ({Name})")]
    private static partial void LogMigrationApplied(ILogger logger, string backend, int version, string name);
}
