using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace OpenMss.Identity.Storage;

/// <summary>
/// Creates the identity tables on first use. <c>EnsureCreated</c> is not used because it does
/// nothing once the database holds any table, and a PostgreSQL database may be shared with the
/// mail store: the marker is this part's own <c>identity_schema</c> table instead.
/// </summary>
internal static class IdentitySchema
{
    /// <summary>
    /// The schema this code writes. Version 2 added the shared failed sign-in counters, the
    /// <c>disabled</c> flag and room for encrypted TOTP secrets; version 3 the patient accounts and
    /// their one-time codes sent by e-mail.
    /// </summary>
    public const int CurrentVersion = 3;

    /// <summary>Length of <c>totp_secret</c>: an encrypted secret of up to <see cref="Accounts.OneTimeCodes.MaximumSecretBytes"/> bytes fits.</summary>
    public const int TotpSecretColumnLength = 256;

    private const string MarkerTable = "identity_schema";

    public static async Task EnsureAsync(IdentityDbContext context, IdentityDatabase database, TimeProvider time, CancellationToken cancellationToken)
    {
        if (database.Kind == IdentityDatabaseKind.Sqlite)
        {
            var directory = Path.GetDirectoryName(database.SqliteFilePath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        var creator = context.GetService<IRelationalDatabaseCreator>();
        if (database.Kind == IdentityDatabaseKind.Sqlite && !await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            await creator.CreateAsync(cancellationToken).ConfigureAwait(false);
        }

        if (database.Kind == IdentityDatabaseKind.Sqlite && !OperatingSystem.IsWindows())
        {
            // Password hashes and sealed TOTP secrets: readable by the provider's user only. SQLite
            // gives the -wal and -shm files it creates the database file's mode.
            foreach (var file in new[] { database.SqliteFilePath!, database.SqliteFilePath + "-wal", database.SqliteFilePath + "-shm" })
            {
                if (File.Exists(file))
                {
                    File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
        }

        if (database.Kind == IdentityDatabaseKind.Sqlite)
        {
            // WAL lets the sign-in page read while a token request writes.
            await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }

        if (await MarkerExistsAsync(context, database.Kind, cancellationToken).ConfigureAwait(false))
        {
            var version = await context.SchemaVersions.MaxAsync(v => (int?)v.Version, cancellationToken).ConfigureAwait(false) ?? 0;
            if (version > CurrentVersion)
            {
                throw new InvalidOperationException(
                    $"The identity database has schema version {version}, newer than this program's {CurrentVersion}.");
            }

            if (version < CurrentVersion)
            {
                await UpgradeAsync(context, database.Kind, time, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await creator.CreateTablesAsync(cancellationToken).ConfigureAwait(false);
        context.SchemaVersions.Add(new SchemaVersionEntity
        {
            Version = CurrentVersion,
            AppliedUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Up to <see cref="CurrentVersion"/>, in one transaction that other nodes starting at the same time wait for.</summary>
    private static async Task UpgradeAsync(IdentityDbContext context, IdentityDatabaseKind kind, TimeProvider time, CancellationToken cancellationToken)
    {
        var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            if (kind == IdentityDatabaseKind.Postgres)
            {
                await context.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(4242001)", cancellationToken).ConfigureAwait(false);
            }

            var version = await context.SchemaVersions.MaxAsync(v => (int?)v.Version, cancellationToken).ConfigureAwait(false) ?? 0;
            if (version >= CurrentVersion)
            {
                return;
            }

            var statements = new List<string>();
            if (version < 2)
            {
                statements.AddRange(kind == IdentityDatabaseKind.Sqlite
                    ? new[]
                    {
                        "ALTER TABLE identity_accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0",
                        "CREATE TABLE IF NOT EXISTS identity_signin_throttle (\"key\" TEXT NOT NULL CONSTRAINT \"PK_identity_signin_throttle\" PRIMARY KEY, failures INTEGER NOT NULL, lockouts INTEGER NOT NULL, last_failure_unix_ms INTEGER NOT NULL, locked_until_unix_ms INTEGER NOT NULL)",
                    }
                    : new[]
                    {
                        "ALTER TABLE identity_accounts ADD COLUMN IF NOT EXISTS disabled boolean NOT NULL DEFAULT FALSE",
                        "ALTER TABLE identity_accounts ALTER COLUMN totp_secret TYPE character varying(256)",
                        "CREATE TABLE IF NOT EXISTS identity_signin_throttle (\"key\" character varying(100) NOT NULL CONSTRAINT \"PK_identity_signin_throttle\" PRIMARY KEY, failures integer NOT NULL, lockouts integer NOT NULL, last_failure_unix_ms bigint NOT NULL, locked_until_unix_ms bigint NOT NULL)",
                    });
            }

            if (version < 3)
            {
                statements.AddRange(kind == IdentityDatabaseKind.Sqlite
                    ? new[]
                    {
                        "CREATE TABLE IF NOT EXISTS identity_patients (ins TEXT NOT NULL CONSTRAINT \"PK_identity_patients\" PRIMARY KEY, pseudonym TEXT NOT NULL, password_hash TEXT NULL, email TEXT NULL, state INTEGER NOT NULL, created_unix_ms INTEGER NOT NULL, updated_unix_ms INTEGER NOT NULL)",
                        "CREATE TABLE IF NOT EXISTS identity_patient_codes (ins TEXT NOT NULL CONSTRAINT \"PK_identity_patient_codes\" PRIMARY KEY, code_hash TEXT NOT NULL, expires_unix_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, window_start_unix_ms INTEGER NOT NULL, sent_in_window INTEGER NOT NULL)",
                    }
                    : new[]
                    {
                        "CREATE TABLE IF NOT EXISTS identity_patients (ins character varying(15) NOT NULL CONSTRAINT \"PK_identity_patients\" PRIMARY KEY, pseudonym character varying(32) NOT NULL, password_hash character varying(400) NULL, email character varying(320) NULL, state integer NOT NULL, created_unix_ms bigint NOT NULL, updated_unix_ms bigint NOT NULL)",
                        "CREATE TABLE IF NOT EXISTS identity_patient_codes (ins character varying(15) NOT NULL CONSTRAINT \"PK_identity_patient_codes\" PRIMARY KEY, code_hash character varying(100) NOT NULL, expires_unix_ms bigint NOT NULL, attempts integer NOT NULL, window_start_unix_ms bigint NOT NULL, sent_in_window integer NOT NULL)",
                    });
            }

            foreach (var statement in statements)
            {
                await context.Database.ExecuteSqlRawAsync(statement, cancellationToken).ConfigureAwait(false);
            }

            context.SchemaVersions.Add(new SchemaVersionEntity { Version = CurrentVersion, AppliedUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds() });
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> MarkerExistsAsync(IdentityDbContext context, IdentityDatabaseKind kind, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var command = connection.CreateCommand();
            await using var commandScope = command.ConfigureAwait(false);
            command.CommandText = kind == IdentityDatabaseKind.Sqlite
                ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @name"
                : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @name";
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@name";
            parameter.Value = MarkerTable;
            command.Parameters.Add(parameter);
            var count = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return Convert.ToInt64(count, System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync().ConfigureAwait(false);
            }
        }
    }
}
