using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using OpenMss.PatientSpace.Registry.Sql;
using OpenMss.Storage;
using OpenMss.Storage.Sql;

namespace OpenMss.PatientSpace.Registry.Postgres;

/// <summary>
/// The production backend. An import streams its rows with binary <c>COPY</c> into a temporary table,
/// then merges them into <c>pat_patients</c> with one upsert in the same transaction: the registry
/// changes all at once at the commit, or not at all.
/// </summary>
internal sealed class PostgresPatientRegistry : SqlPatientRegistry
{
    private static readonly IReadOnlyList<Migration> AllMigrations = PatientMigrations.Load("postgres");

    private readonly NpgsqlDataSource dataSource;
    // Imports only: no command timeout, so that merging a national file (minutes on a busy server) is not cut off.
    private readonly NpgsqlDataSource bulkDataSource;
    private readonly MessageCipher cipher;

    public PostgresPatientRegistry(string connectionString, MessageCipher cipher, ILogger logger, TimeProvider timeProvider)
        : base(new PatientSeal(cipher), logger, timeProvider)
    {
        this.cipher = cipher;
        dataSource = NpgsqlDataSource.Create(connectionString);
        bulkDataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 }.ConnectionString);
    }

    protected override string ForUpdate => " FOR UPDATE";

    public override async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // Two nodes starting together: one migrates, the other waits for it (lock released at session end).
            await connection.ExecuteAsync("SELECT pg_advisory_lock(hashtext('openmss-patient-registry-migrations'))", null, cancellationToken).ConfigureAwait(false);
            try
            {
                await ApplyMigrationsAsync(connection, AllMigrations, "PostgreSQL", cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // The connection goes back to the pool: its session lock must not go with it.
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(hashtext('openmss-patient-registry-migrations'))", null, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override async Task<IPatientImport> BeginImportAsync(CancellationToken cancellationToken = default)
    {
        var connection = await bulkDataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // One import at a time; lookups and state changes go on until the merge.
            await connection.ExecuteAsync(
                "SELECT pg_advisory_xact_lock(hashtext('openmss-patient-registry-import')); " +
                "CREATE TEMPORARY TABLE pat_import (line bigint NOT NULL, ins text NOT NULL, state smallint NOT NULL, identity bytea NOT NULL) ON COMMIT DROP",
                transaction, cancellationToken).ConfigureAwait(false);
            var copy = await connection.BeginBinaryImportAsync("COPY pat_import (line, ins, state, identity) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
            return new Import(this, connection, transaction, copy);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await dataSource.DisposeAsync().ConfigureAwait(false);
        await bulkDataSource.DisposeAsync().ConfigureAwait(false);
        cipher.Dispose();
    }

    private sealed class Import(PostgresPatientRegistry registry, NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlBinaryImporter copy) : IPatientImport
    {
        private long rows;
        private bool copying = true;
        private bool committed;

        public async ValueTask WriteAsync(PatientImportRow row, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(row);
            var key = Key(row.Ins);
            var sealedIdentity = registry.Seal.SealIdentity(row.Ins, row.Identity);
            rows++;
            await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(rows, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(key, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync((short)row.State, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(sealedIdentity, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
        }

        public async Task<PatientImportSummary> CommitAsync(CancellationToken cancellationToken = default)
        {
            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
            copying = false;
            await copy.DisposeAsync().ConfigureAwait(false);
            var before = await connection.ScalarLongAsync($"SELECT COUNT(*) FROM {Patients}", transaction, cancellationToken).ConfigureAwait(false);
            // The last row of an INS wins: an upsert may not touch the same row twice.
            await connection.ExecuteAsync(
                $"INSERT INTO {Patients} (ins, state, state_changed_at, identity) " +
                "SELECT DISTINCT ON (ins) ins, state, @at, identity FROM pat_import ORDER BY ins, line DESC " +
                UpsertSet,
                transaction, cancellationToken, ("at", registry.Time.GetUtcNow().ToUnixTimeMilliseconds())).ConfigureAwait(false);
            var total = await connection.ScalarLongAsync($"SELECT COUNT(*) FROM {Patients}", transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            committed = true;
            if (rows > 10_000)
            {
                await connection.ExecuteAsync($"ANALYZE {Patients}", null, cancellationToken).ConfigureAwait(false);
            }

            return new PatientImportSummary(rows, total - before, total);
        }

        public async ValueTask DisposeAsync()
        {
            if (copying)
            {
                // Disposing an unfinished COPY cancels it; the transaction then rolls back.
                await copy.DisposeAsync().ConfigureAwait(false);
            }

            if (!committed)
            {
                await transaction.RollbackAsync().ConfigureAwait(false);
            }

            await transaction.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
